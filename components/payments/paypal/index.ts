import { PaypalApprovalButton } from './approval-button';

/** PayPal's browser pieces: its button beside the card form (it takes no cards itself here). */
export const paypalApprovalButton = PaypalApprovalButton;
