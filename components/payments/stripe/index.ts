import type { ProviderPieces } from '../pieces';
import { StripeCardForm } from './card-form';
import { StripePaymentForm } from './payment-form';

/** Stripe's browser pieces: Payment Element forms on Stripe.js, loaded only when a form mounts. */
export const stripePieces: ProviderPieces = { PaymentForm: StripePaymentForm, CardForm: StripeCardForm };
