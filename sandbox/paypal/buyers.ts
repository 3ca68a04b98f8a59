import crypto from 'node:crypto';

/**
 * The sandbox's test buyers: the PayPal accounts a person "logs in" with on the approval page.
 * Each one's funding behaves one way, so a checkout can prove every path without the
 * `PayPal-Mock-Response` header (which only the server can send): a buyer who pays, one whose
 * funding source is declined at capture (INSTRUMENT_DECLINED: the checkout restarts PayPal so the
 * buyer picks another), one PayPal refuses outright, one PayPal asks for a step first
 * (PAYER_ACTION_REQUIRED: approving again completes it), one whose payment stays PENDING and completes
 * later, one whose pending payment is then denied, and one whose subscription renewals fail.
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
}

function payerIdOf(email: string): string {
  const digest = crypto.createHash('sha256').update(email).digest();
  // PayPal's payer ids avoid 0, 1, I and O (the spec's pattern is ^[2-9A-HJ-NP-Z]{13}$).
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from(digest.subarray(0, 13), (byte) => alphabet[byte % alphabet.length]).join('');
}

function buyer(email: string, given_name: string, outcome: BuyerOutcome, description: string): TestBuyer {
  return { email, name: { given_name, surname: 'Buyer' }, payerId: payerIdOf(email), countryCode: 'US', outcome, description };
}

export const TEST_BUYERS: readonly TestBuyer[] = [
  buyer('buyer@example.com', 'Sandy', 'pays', 'Pays from a PayPal balance: captures complete at once.'),
  buyer('declined@example.com', 'Dee', 'instrument_declined', 'Funding declined at capture (INSTRUMENT_DECLINED): the buyer must choose another way to pay.'),
  buyer('refused@example.com', 'Rex', 'transaction_refused', 'PayPal refuses the payment (TRANSACTION_REFUSED).'),
  buyer('payer-action@example.com', 'Paco', 'payer_action_required', 'PayPal asks for one more step at capture (PAYER_ACTION_REQUIRED); approving again completes it.'),
  buyer('pending@example.com', 'Penny', 'pending', 'Pays by eCheck: the capture is PENDING and completes a few seconds later.'),
  buyer('denied@example.com', 'Dennis', 'pending_then_denied', 'Pays by eCheck that bounces: the capture is PENDING, then DENIED.'),
  buyer('renewals-fail@example.com', 'Reni', 'renewals_fail', 'Subscribes, then every renewal payment fails.'),
];

export const DEFAULT_BUYER = TEST_BUYERS[0] as TestBuyer;

export function buyerByEmail(email: string): TestBuyer | undefined {
  return TEST_BUYERS.find((candidate) => candidate.email === email);
}

/** The `payer` object PayPal puts on an approved order. */
export function payerOf(buyer: TestBuyer) {
  return { name: buyer.name, email_address: buyer.email, payer_id: buyer.payerId, address: { country_code: buyer.countryCode } };
}
