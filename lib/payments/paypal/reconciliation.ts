import type { PaymentsApi, ReconciliationApi, SubscriptionsApi } from '@/lib/payments/provider';
import { PaypalApiError } from './client';

/**
 * PayPal for reconciliation. PayPal has no list of a merchant's orders (only its transaction
 * search, /v1/reporting/transactions, which lags by hours and is not used yet), so nothing is
 * listed: Billfold's own orders and subscriptions are re-read one by one, which finds what
 * differs and what PayPal does not have, never what Billfold does not know of.
 */

/** PayPal answers 404 RESOURCE_NOT_FOUND for an id it does not have: null, not an error. */
async function unlessMissing<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof PaypalApiError && error.status === 404) return null;
    throw error;
  }
}

export function paypalReconciliation(payments: PaymentsApi, subscriptions: SubscriptionsApi): ReconciliationApi {
  return {
    listing: null,
    findPayment: (id) => unlessMissing(() => payments.retrievePayment(id)),
    findSubscription: (id) => unlessMissing(() => subscriptions.retrieveSubscription(id)),
  };
}
