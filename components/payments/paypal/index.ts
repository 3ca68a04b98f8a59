import { PaypalApprovalButton } from './approval-button';
import { PaypalSubscriptionButton } from './subscription-button';

/** PayPal's browser pieces: its buttons beside the card form (it takes no cards itself here). */
export const paypalApprovalButton = PaypalApprovalButton;
export const paypalSubscriptionButton = PaypalSubscriptionButton;
