import { TransactionSearchController, type TransactionInformation } from '@paypal/paypal-server-sdk';
import type { ListingPage, ListingWindow, PaymentsApi, ProviderListing, ReconciliationApi, SubscriptionsApi } from '@/lib/payments/provider';
import type { ProviderDispute, ProviderPayment, ProviderRefund, ProviderSubscription } from '@/lib/payments/types';
import { call } from './calls';
import { PaypalApiError, type PaypalClient } from './client';

/**
 * PayPal for reconciliation. PayPal has no list of a merchant's orders, so the listing is built
 * on its Transaction Search (`GET /v1/reporting/transactions`, the SDK's TransactionSearchController):
 * every money movement of the window, paged, of which Billfold's are those carrying a custom
 * field (its order id on a capture and its refunds and disputes, its account id on a
 * subscription's payments). Each transaction names the object Billfold keeps, which is then read
 * as the webhook path reads it:
 *
 * - payments: captures (T0003, T0006) → their order (the reference id, or the capture's order);
 * - refunds: T1107 of a capture → the refund on its order (a subscription sale's refund is its
 *   subscription's business: an invoice, not a refund row);
 * - disputes: the hold or chargeback on a capture (T1110, T1201) → the capture's disputes;
 * - subscriptions: the subscriptions whose payments (T0002) fall in the window. A subscription
 *   that took no payment in the window is not listed; lib/billing re-reads every live one of ours
 *   on each run, which covers a silent cancellation of an old one.
 *
 * The search lags: PayPal says a transaction can take up to three hours to appear. Billfold's
 * own rows of the window are re-read one by one as well, so the lag hides only what Billfold
 * never recorded, and only until the next run (whose window overlaps by days).
 */

/** PayPal's largest page and widest window (31 days); a longer window is searched in slices. */
const MAX_PAGE_SIZE = 500;
const MAX_SEARCH_MS = 31 * 24 * 60 * 60 * 1000;

const PAYMENT_CODES = new Set(['T0003', 'T0006']);
const REFUND_CODES = new Set(['T1107']);
const DISPUTE_CODES = new Set(['T1110', 'T1201']);
const SUBSCRIPTION_PAYMENT_CODES = new Set(['T0002']);

/** PayPal answers 404 RESOURCE_NOT_FOUND for an id it does not have: null, not an error. */
async function unlessMissing<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof PaypalApiError && error.status === 404) return null;
    throw error;
  }
}

/** Where the search goes on: the slice of the window it is in, and the page within it (`<slice start ms>:<page>`). */
interface Cursor {
  sliceStart: number;
  page: number;
}

function cursorOf(value: string | null, window: ListingWindow): Cursor {
  if (!value) return { sliceStart: window.from.getTime(), page: 1 };
  const [start, page] = value.split(':').map(Number);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(page)) throw new Error(`Not a PayPal search cursor: ${value}`);
  return { sliceStart: start as number, page: page as number };
}

/**
 * Seconds are required and fractions allowed. PayPal's `end_date` is inclusive, so a transaction
 * at the very end of one slice can be listed again at the start of the next: comparing an object
 * twice changes nothing.
 */
function searchDate(ms: number): string {
  return new Date(ms).toISOString();
}

interface SearchPage {
  transactions: TransactionInformation[];
  next: string | null;
}

function distinct<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** `pageSize`: transactions asked for a page (PayPal's largest, 500, unless a test wants more pages). */
export function paypalReconciliation(client: PaypalClient, payments: PaymentsApi, subscriptions: SubscriptionsApi, options: { pageSize?: number } = {}): ReconciliationApi {
  return {
    listing: paypalListing(client, payments, subscriptions, options.pageSize ?? MAX_PAGE_SIZE),
    findPayment: (id) => unlessMissing(() => payments.retrievePayment(id)),
    findSubscription: (id) => unlessMissing(() => subscriptions.retrieveSubscription(id)),
  };
}

function paypalListing({ sdk, rest }: PaypalClient, payments: PaymentsApi, subscriptions: SubscriptionsApi, pageSize: number): ProviderListing {
  const search = new TransactionSearchController(sdk);

  /** One page of Billfold's transactions of some event codes (those with a custom field). */
  async function searchPage(window: ListingWindow, cursorValue: string | null, codes: Set<string>): Promise<SearchPage> {
    const cursor = cursorOf(cursorValue, window);
    const sliceEnd = Math.min(cursor.sliceStart + MAX_SEARCH_MS, window.to.getTime());
    const answer = await call('transactions.search', { repeatable: true }, () =>
      search.searchTransactions({ startDate: searchDate(cursor.sliceStart), endDate: searchDate(sliceEnd), fields: 'all', pageSize, page: cursor.page }),
    );
    const transactions = (answer.transactionDetails ?? [])
      .flatMap((detail) => detail.transactionInfo ?? [])
      .filter((info) => info.transactionEventCode !== undefined && codes.has(info.transactionEventCode) && Boolean(info.customField));
    let next: string | null = null;
    if (cursor.page < (answer.totalPages ?? 0)) next = `${cursor.sliceStart}:${cursor.page + 1}`;
    else if (sliceEnd < window.to.getTime()) next = `${sliceEnd}:1`;
    return { transactions, next };
  }

  /** The order a capture was made for; null when the id is no v2 capture (a subscription sale). */
  async function orderOfCapture(captureId: string): Promise<string | null> {
    const capture = await unlessMissing(() => rest.request<{ supplementary_data?: { related_ids?: { order_id?: string } } }>('GET', `/v2/payments/captures/${encodeURIComponent(captureId)}`));
    return capture?.supplementary_data?.related_ids?.order_id ?? null;
  }

  async function orderOf(transaction: TransactionInformation): Promise<string | null> {
    if (transaction.paypalReferenceIdType === 'ODR' && transaction.paypalReferenceId) return transaction.paypalReferenceId;
    return transaction.transactionId ? orderOfCapture(transaction.transactionId) : null;
  }

  /** Reads each distinct id once, in order, dropping those PayPal no longer has. */
  async function readEach<T>(ids: (string | null)[], read: (id: string) => Promise<T | null>): Promise<T[]> {
    const items: T[] = [];
    for (const id of distinct(ids.filter((value): value is string => value !== null))) {
      const item = await read(id);
      if (item !== null) items.push(item);
    }
    return items;
  }

  return {
    async listPayments(window, cursor): Promise<ListingPage<ProviderPayment>> {
      const page = await searchPage(window, cursor, PAYMENT_CODES);
      const orderIds: (string | null)[] = [];
      for (const transaction of page.transactions) orderIds.push(await orderOf(transaction));
      return { items: await readEach(orderIds, (id) => unlessMissing(() => payments.retrievePayment(id))), next: page.next };
    },

    async listRefunds(window, cursor): Promise<ListingPage<ProviderRefund>> {
      const page = await searchPage(window, cursor, REFUND_CODES);
      const refundsByOrder = new Map<string, ProviderRefund[]>();
      const items: ProviderRefund[] = [];
      for (const transaction of page.transactions) {
        const captureId = transaction.paypalReferenceId;
        const orderId = captureId ? await orderOfCapture(captureId) : null;
        if (!orderId || !transaction.transactionId) continue;
        let refunds = refundsByOrder.get(orderId);
        if (!refunds) {
          refunds = (await unlessMissing(() => payments.refundsOf(orderId))) ?? [];
          refundsByOrder.set(orderId, refunds);
        }
        const refund = refunds.find((candidate) => candidate.id === transaction.transactionId);
        if (refund) items.push(refund);
      }
      return { items, next: page.next };
    },

    async listDisputes(window, cursor): Promise<ListingPage<ProviderDispute>> {
      const page = await searchPage(window, cursor, DISPUTE_CODES);
      const disputeIds: string[] = [];
      for (const captureId of distinct(page.transactions.map((transaction) => transaction.paypalReferenceId ?? null))) {
        if (!captureId) continue;
        const list = await rest.request<{ items?: { dispute_id: string }[] }>('GET', `/v1/customer/disputes?disputed_transaction_id=${encodeURIComponent(captureId)}`);
        disputeIds.push(...(list.items ?? []).map((item) => item.dispute_id));
      }
      return { items: await readEach(disputeIds, (id) => unlessMissing(() => payments.retrieveDispute(id))), next: page.next };
    },

    async listSubscriptions(window, cursor): Promise<ListingPage<ProviderSubscription>> {
      const page = await searchPage(window, cursor, SUBSCRIPTION_PAYMENT_CODES);
      const ids = page.transactions.map((transaction) => (transaction.paypalReferenceIdType === 'SUB' ? (transaction.paypalReferenceId ?? null) : null));
      return { items: await readEach(ids, (id) => unlessMissing(() => subscriptions.retrieveSubscription(id))), next: page.next };
    },
  };
}
