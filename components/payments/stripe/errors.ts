import type { StripeError } from '@stripe/stripe-js';
import { NOT_CHARGED } from '../messages';

/**
 * What a customer is told when Stripe.js refuses or loses a card confirmation: the same words
 * at checkout, on subscribe and in the billing portal.
 */

/**
 * The provider failed on its side, or its answer never arrived: the payment may or may not have
 * been taken, so a form asks the provider before it says anything about a charge.
 */
export const UNANSWERED: readonly StripeError['type'][] = ['api_error', 'api_connection_error'];

const AUTHENTICATION_FAILED: readonly (string | undefined)[] = ['payment_intent_authentication_failure', 'setup_intent_authentication_failure'];

export function confirmationErrorMessage(error: StripeError): string {
  if (error.type === 'card_error') return `${error.message ?? 'Your card was declined.'} ${NOT_CHARGED} Try again, or use another card.`;
  if (error.type === 'validation_error') return error.message ?? 'Check your card details.';
  if (AUTHENTICATION_FAILED.includes(error.code)) {
    const what = error.code === 'setup_intent_authentication_failure' ? 'this card' : 'this payment';
    return `Your bank could not confirm ${what} (3-D Secure was not completed). ${NOT_CHARGED} Try again, or use another card.`;
  }
  if (error.type === 'api_connection_error') return `We could not reach the payment service. Check your connection and try again. ${NOT_CHARGED}`;
  if (error.type === 'api_error') return `Our payment provider had a problem and did not take this payment. ${NOT_CHARGED} Please try again in a moment.`;
  return `The payment did not go through. ${NOT_CHARGED} Please try again.`;
}
