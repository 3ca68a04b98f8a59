import crypto from 'node:crypto';

/**
 * The sandbox's test buyers: the PayPal accounts a person "logs in" with on the approval page.
 * Each one's funding behaves one way, so a checkout can prove every path without the
 * `PayPal-Mock-Response` header (which only the server can send): a buyer who pays, one whose
 * funding source is declined at capture (INSTRUMENT_DECLINED: the checkout restarts PayPal so the
 * buyer picks another), one PayPal refuses outright, one PayPal asks for a step first
 * (PAYER_ACTION_REQUIRED: approving again completes it), one whose payment stays PENDING and completes
 * later, one whose pending payment is then denied, and one whose subscription renewals fail.
 * A subscription's payments can be moved to the PayPal balance, which always pays, on the
 * automatic payments pages (subscription-funding.ts).
 */

export type BuyerOutcome = 'pays' | 'instrument_declined' | 'transaction_refused' | 'payer_action_required' | 'pending' | 'pending_then_denied' | 'renewals_fail';

export interface TestBuyer {
  email: string;
  name: { given_name: string; surname: string };
  /** Stable for the email, as a PayPal account's payer id is. */
  payerId: string;
  countryCode: string;
  outcome: BuyerOutcome;
  /** What the approval page says the account does. */
  description: string;
  /** What pays from the account, as PayPal's automatic payments page names it (autopay-pages.ts). */
  funding: string;
}

function payerIdOf(email: string): string {
  const digest = crypto.createHash('sha256').update(email).digest();
  // PayPal's payer ids avoid 0, 1, I and O (the spec's pattern is ^[2-9A-HJ-NP-Z]{13}$).
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from(digest.subarray(0, 13), (byte) => alphabet[byte % alphabet.length]).join('');
}

function buyer(email: string, given_name: string, outcome: BuyerOutcome, description: string, funding: string): TestBuyer {
  return { email, name: { given_name, surname: 'Buyer' }, payerId: payerIdOf(email), countryCode: 'US', outcome, description, funding };
}

/** The funding every account has and that always pays: what a buyer switches a failing subscription to. */
export const PAYPAL_BALANCE = 'PayPal balance';

export const TEST_BUYERS: readonly TestBuyer[] = [
  buyer('buyer@example.com', 'Sandy', 'pays', 'Pays from a PayPal balance: captures complete at once.', PAYPAL_BALANCE),
  buyer('declined@example.com', 'Dee', 'instrument_declined', 'Funding declined at capture (INSTRUMENT_DECLINED): the buyer must choose another way to pay.', 'Card that is declined'),
  buyer('refused@example.com', 'Rex', 'transaction_refused', 'PayPal refuses the payment (TRANSACTION_REFUSED).', 'Account PayPal refuses payments from'),
  buyer('payer-action@example.com', 'Paco', 'payer_action_required', 'PayPal asks for one more step at capture (PAYER_ACTION_REQUIRED); approving again completes it.', 'Bank account'),
  buyer('pending@example.com', 'Penny', 'pending', 'Pays by eCheck: the capture is PENDING and completes a few seconds later.', 'Bank account (eCheck)'),
  buyer('denied@example.com', 'Dennis', 'pending_then_denied', 'Pays by eCheck that bounces: the capture is PENDING, then DENIED.', 'Bank account (eCheck that bounces)'),
  buyer('renewals-fail@example.com', 'Reni', 'renewals_fail', 'Subscribes, then every renewal payment fails until the buyer pays with their PayPal balance instead (Automatic payments, /myaccount/autopay/).', 'Bank account that refuses automatic payments'),
];

export const DEFAULT_BUYER = TEST_BUYERS[0] as TestBuyer;

export function buyerByEmail(email: string): TestBuyer | undefined {
  return TEST_BUYERS.find((candidate) => candidate.email === email);
}

/** The `payer` object PayPal puts on an approved order. */
export function payerOf(buyer: TestBuyer) {
  return { name: buyer.name, email_address: buyer.email, payer_id: buyer.payerId, address: { country_code: buyer.countryCode } };
}
