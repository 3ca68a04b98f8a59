/**
 * Stripe's documented test cards and what each does. The sandbox keeps only the last four
 * digits, brand, expiry and this behaviour; the full number never leaves the request that
 * carried it (the Stripe.js stand-in's iframe).
 */
export type CardBehaviour =
  | { kind: 'succeeds' }
  | { kind: 'declines'; code: 'card_declined' | 'expired_card' | 'incorrect_cvc'; declineCode: string; message: string }
  /** 3-D Secure when on-session; off-session works once the card is set up for it. */
  | { kind: 'authenticate_on_setup' }
  /** 3-D Secure on every on-session payment; off-session fails with authentication_required. */
  | { kind: 'authenticate_always' }
  /** Attaches to a customer, then every charge declines. */
  | { kind: 'attach_then_decline' }
  /** Succeeds, then the charge is disputed. */
  | { kind: 'succeeds_then_disputed' };

export interface TestCard {
  number: string;
  brand: 'visa' | 'mastercard' | 'amex' | 'discover' | 'jcb' | 'diners' | 'unionpay';
  funding: 'credit' | 'debit';
  country: string;
  behaviour: CardBehaviour;
}

const GENERIC_DECLINE = { kind: 'declines', code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' } as const;

export const TEST_CARDS: readonly TestCard[] = [
  { number: '4242424242424242', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'succeeds' } },
  { number: '4000056655665556', brand: 'visa', funding: 'debit', country: 'US', behaviour: { kind: 'succeeds' } },
  { number: '5555555555554444', brand: 'mastercard', funding: 'credit', country: 'US', behaviour: { kind: 'succeeds' } },
  { number: '378282246310005', brand: 'amex', funding: 'credit', country: 'US', behaviour: { kind: 'succeeds' } },
  { number: '4000000000000002', brand: 'visa', funding: 'credit', country: 'US', behaviour: GENERIC_DECLINE },
  {
    number: '4000000000009995',
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    behaviour: { kind: 'declines', code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  },
  {
    number: '4000000000000069',
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    behaviour: { kind: 'declines', code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.' },
  },
  {
    number: '4000000000000127',
    brand: 'visa',
    funding: 'credit',
    country: 'US',
    behaviour: { kind: 'declines', code: 'incorrect_cvc', declineCode: 'incorrect_cvc', message: "Your card's security code is incorrect." },
  },
  { number: '4000002500003155', brand: 'visa', funding: 'credit', country: 'IE', behaviour: { kind: 'authenticate_on_setup' } },
  { number: '4000002760003184', brand: 'visa', funding: 'credit', country: 'DE', behaviour: { kind: 'authenticate_always' } },
  { number: '4000000000000341', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'attach_then_decline' } },
  { number: '4000000000000259', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'succeeds_then_disputed' } },
];

/** Stripe's `pm_card_*` shortcuts (and their `tok_*` twins) for the cards above. */
export const TEST_PAYMENT_METHODS: Readonly<Record<string, string>> = {
  pm_card_visa: '4242424242424242',
  pm_card_visa_debit: '4000056655665556',
  pm_card_mastercard: '5555555555554444',
  pm_card_amex: '378282246310005',
  pm_card_chargeDeclined: '4000000000000002',
  pm_card_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_chargeDeclinedExpiredCard: '4000000000000069',
  pm_card_chargeDeclinedIncorrectCvc: '4000000000000127',
  pm_card_authenticationRequiredOnSetup: '4000002500003155',
  pm_card_authenticationRequired: '4000002760003184',
  pm_card_threeDSecure2Required: '4000002760003184',
  pm_card_chargeCustomerFail: '4000000000000341',
  pm_card_createDispute: '4000000000000259',
};


export function brandOf(number: string): TestCard['brand'] {
  if (/^3[47]/.test(number)) return 'amex';
  if (/^(5[1-5]|2[2-7])/.test(number)) return 'mastercard';
  if (/^6(011|5)/.test(number)) return 'discover';
  if (/^35/.test(number)) return 'jcb';
  if (/^3(0|6|8)/.test(number)) return 'diners';
  if (/^62/.test(number)) return 'unionpay';
  return 'visa';
}

/** Any Luhn-valid number works; unknown ones behave like 4242…. */
export function cardFor(number: string): TestCard {
  return TEST_CARDS.find((card) => card.number === number) ?? { number, brand: brandOf(number), funding: 'credit', country: 'US', behaviour: { kind: 'succeeds' } };
}
