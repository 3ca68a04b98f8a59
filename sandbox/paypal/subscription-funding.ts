import { buyerByEmail, DEFAULT_BUYER, PAYPAL_BALANCE, type TestBuyer } from './buyers';
import type { SubscriptionRecord } from './subscription-resource';

/**
 * What pays a subscription's payments. At first the approving buyer's own funding, which behaves
 * as their test account does (buyers.ts); the buyer can move it to their PayPal balance, which
 * always pays, on the automatic payments pages (autopay-pages.ts), as a real buyer fixes a
 * failing subscription under Settings → Payments → Manage automatic payments. PayPal does not
 * tell the merchant: no event, and the subscription resource looks the same.
 */

/** `buyer`: the test buyer's own funding (buyers.ts); `balance`: their PayPal balance. */
export const SUBSCRIPTION_FUNDINGS = ['buyer', 'balance'] as const;
export type SubscriptionFunding = (typeof SUBSCRIPTION_FUNDINGS)[number];

/** The buyer who pays (the default buyer for a subscription nobody approved, which never bills). */
export function payingBuyerOf(record: SubscriptionRecord): TestBuyer {
  return buyerByEmail(record.internal.buyer ?? '') ?? DEFAULT_BUYER;
}

export function fundingOf(record: SubscriptionRecord): SubscriptionFunding {
  return record.internal.funding ?? 'buyer';
}

/** The name of a funding choice for this buyer, as the page shows it. */
export function fundingLabel(buyer: TestBuyer, funding: SubscriptionFunding): string {
  return funding === 'balance' ? PAYPAL_BALANCE : buyer.funding;
}

/**
 * Whether a payment of this subscription fails: the one rule for its cycles
 * (subscription-billing.ts) and the merchant's capture of the outstanding balance
 * (subscriptions.ts). `merchantInitiated`: taken by PayPal or the merchant while the buyer is
 * away (renewals, a capture), not while the buyer is on the approval page (the first cycle, the
 * setup fee), which is when the `renewals-fail@` buyer's funding refuses.
 */
export function subscriptionPaymentFails(record: SubscriptionRecord, options: { merchantInitiated: boolean }): boolean {
  if (fundingOf(record) === 'balance') return false;
  const { outcome } = payingBuyerOf(record);
  return outcome === 'instrument_declined' || outcome === 'transaction_refused' || (options.merchantInitiated && outcome === 'renewals_fail');
}
