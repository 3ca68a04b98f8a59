import crypto from 'node:crypto';
import { z } from 'zod';
import type { PaypalContext, PaypalRoute } from './context';
import { PaypalApiError, invalidRequest, parseBody } from './errors';
import { paypalTime } from './ids';
import { paypalMoney, type PaypalMoney } from './money';
import { SANDBOX_PAYEE, type CaptureRecord, type RefundRecord } from './order-types';
import { SALE, SALE_REFUND, type SaleRecord, type SaleRefundRecord } from './sales';
import type { DisputeRecord } from './dispute-lifecycle';

/**
 * Transaction Search (`GET /v1/reporting/transactions`, reporting_transactions_v1.json): the
 * merchant's money movements in a window, over the stand-in's own records. One transaction per
 * capture (T0006, PayPal Checkout), subscription sale (T0002), refund of either (T1107), and
 * dispute (T1201 for a chargeback, else T1110, the hold PayPal puts on the disputed money), each
 * at the time its record was made, oldest first, paged by `page` and `page_size`.
 *
 * As at PayPal: `start_date` and `end_date` are required, at most 31 days apart and no more than
 * three years back; `fields` picks the parts shown (only `transaction_info` is kept here);
 * `balance_affecting_records_only=Y` (the default) leaves out what moved no money (a denied
 * capture). Unlike PayPal, a transaction is searchable at once, not up to three hours later.
 */

const DOCS = 'transaction-search/v1';
/** PayPal's own limits: a window of at most 31 days, reaching no more than three years back. */
const MAX_WINDOW_SECONDS = 31 * 86_400;
const HISTORY_SECONDS = 3 * 365 * 86_400;
const FIELDS = ['all', 'transaction_info', 'payer_info', 'shipping_info', 'auction_info', 'cart_info', 'incentive_info', 'store_info'] as const;

/** The spec's date_time pattern: seconds required, fractions optional, a zone always. */
const DATE_TIME = /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])[Tt]([0-1][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)([.][0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$/;
const DateTime = z.string().regex(DATE_TIME, { message: 'INVALID_PARAMETER_SYNTAX: The value must be a date and time in Internet date and time format, with seconds.' });

const SearchQuery = z.object({
  start_date: DateTime,
  end_date: DateTime,
  transaction_id: z.string().min(17).max(19).optional(),
  transaction_type: z.string().regex(/^T\d{4}$/).optional(),
  transaction_status: z.enum(['D', 'P', 'S', 'V']).optional(),
  transaction_currency: z.string().length(3).optional(),
  fields: z
    .string()
    .refine((value) => value.split(',').every((field) => (FIELDS as readonly string[]).includes(field.trim())), { message: `INVALID_PARAMETER_VALUE: fields must be one or more of ${FIELDS.join(', ')}.` })
    .default('transaction_info'),
  balance_affecting_records_only: z.enum(['Y', 'N']).default('Y'),
  page_size: z.coerce.number().int().min(1).max(500).default(100),
  page: z.coerce.number().int().min(1).max(2_147_483_647).default(1),
});
type SearchQuery = z.output<typeof SearchQuery>;

/** One row of `transaction_details`, with when it happened (for ordering) beside it. */
interface Transaction {
  at: number;
  seq: number;
  info: {
    paypal_account_id?: string;
    transaction_id: string;
    paypal_reference_id?: string;
    paypal_reference_id_type?: 'ODR' | 'TXN' | 'SUB';
    transaction_event_code: string;
    transaction_initiation_date: string;
    transaction_updated_date: string;
    transaction_amount: PaypalMoney;
    fee_amount?: PaypalMoney;
    transaction_status: 'D' | 'P' | 'S' | 'V';
    invoice_id?: string;
    custom_field?: string;
    protection_eligibility?: string;
  };
}

/** A money value as the search writes it: negative for money leaving the merchant. */
function signed(amount: PaypalMoney, sign: 1 | -1): PaypalMoney {
  return sign === 1 || amount.value === '0' ? { ...amount } : { ...amount, value: `-${amount.value}` };
}

function units(value: number, currency: string, sign: 1 | -1): PaypalMoney {
  return signed(paypalMoney(value, currency), sign);
}

/** A capture's transaction status: reversed once fully refunded, pending while an eCheck clears, denied when it bounced. */
function captureStatus(capture: CaptureRecord): Transaction['info']['transaction_status'] {
  switch (capture.resource.status) {
    case 'REFUNDED':
      return 'V';
    case 'PENDING':
      return 'P';
    case 'DECLINED':
    case 'FAILED':
      return 'D';
    default:
      return 'S';
  }
}

function captureTransaction(capture: CaptureRecord, seq: number): Transaction {
  const { resource } = capture;
  const fee = resource.seller_receivable_breakdown.paypal_fee;
  return {
    at: capture.created,
    seq,
    info: {
      transaction_id: capture.id,
      paypal_reference_id: resource.supplementary_data.related_ids.order_id,
      paypal_reference_id_type: 'ODR',
      transaction_event_code: 'T0006',
      transaction_initiation_date: resource.create_time,
      transaction_updated_date: resource.update_time,
      transaction_amount: { ...resource.amount },
      fee_amount: signed(fee, -1),
      transaction_status: captureStatus(capture),
      ...(resource.invoice_id ? { invoice_id: resource.invoice_id } : {}),
      ...(resource.custom_id ? { custom_field: resource.custom_id } : {}),
      protection_eligibility: '01',
    },
  };
}

const REFUND_STATUS: Record<RefundRecord['resource']['status'], Transaction['info']['transaction_status']> = { COMPLETED: 'S', PENDING: 'P', FAILED: 'D', CANCELLED: 'D' };

function refundTransaction(refund: RefundRecord, capture: CaptureRecord | undefined, seq: number): Transaction {
  const { resource } = refund;
  return {
    at: refund.created,
    seq,
    info: {
      transaction_id: refund.id,
      paypal_reference_id: refund.internal.captureId,
      paypal_reference_id_type: 'TXN',
      transaction_event_code: 'T1107',
      transaction_initiation_date: resource.create_time,
      transaction_updated_date: resource.update_time,
      transaction_amount: signed(resource.amount, -1),
      fee_amount: { ...resource.seller_payable_breakdown.paypal_fee },
      transaction_status: REFUND_STATUS[resource.status],
      ...(resource.invoice_id ? { invoice_id: resource.invoice_id } : {}),
      // The search names the original payment's custom field on its refunds too.
      ...(capture?.resource.custom_id ? { custom_field: capture.resource.custom_id } : {}),
    },
  };
}

/** A subscription's payment names its subscription (`I-…`, which the spec's alphanumeric pattern refuses: openapi.test.ts). */
function saleTransaction(sale: SaleRecord, seq: number): Transaction {
  const { resource, internal } = sale;
  return {
    at: sale.created,
    seq,
    info: {
      transaction_id: sale.id,
      paypal_reference_id: resource.billing_agreement_id,
      paypal_reference_id_type: 'SUB',
      transaction_event_code: 'T0002',
      transaction_initiation_date: resource.create_time,
      transaction_updated_date: resource.update_time,
      transaction_amount: units(internal.gross, resource.amount.currency, 1),
      fee_amount: units(internal.fee, resource.amount.currency, -1),
      transaction_status: resource.state === 'refunded' ? 'V' : 'S',
      ...(resource.custom ? { custom_field: resource.custom } : {}),
    },
  };
}

function saleRefundTransaction(refund: SaleRefundRecord, sale: SaleRecord | undefined, seq: number): Transaction {
  const { resource } = refund;
  return {
    at: refund.created,
    seq,
    info: {
      transaction_id: refund.id,
      paypal_reference_id: resource.sale_id,
      paypal_reference_id_type: 'TXN',
      transaction_event_code: 'T1107',
      transaction_initiation_date: resource.create_time,
      transaction_updated_date: resource.update_time,
      transaction_amount: signed({ currency_code: resource.amount.currency, value: resource.amount.total }, -1),
      transaction_status: 'S',
      ...(sale?.resource.custom ? { custom_field: sale.resource.custom } : {}),
    },
  };
}

/** The hold's own transaction id: 17 characters as PayPal's are, the same for a dispute every time it is listed. */
function holdIdOf(disputeId: string): string {
  return crypto.createHash('sha256').update(`hold:${disputeId}`).digest('hex').slice(0, 17).toUpperCase();
}

function disputeTransaction(dispute: DisputeRecord, seq: number): Transaction {
  const { resource, internal } = dispute;
  const disputed = resource.disputed_transactions[0];
  return {
    at: dispute.created,
    seq,
    info: {
      transaction_id: holdIdOf(dispute.id),
      paypal_reference_id: internal.capture_id,
      paypal_reference_id_type: 'TXN',
      // A chargeback takes the money back at once; any other dispute holds it while PayPal decides.
      transaction_event_code: resource.dispute_life_cycle_stage === 'INQUIRY' ? 'T1110' : 'T1201',
      transaction_initiation_date: resource.create_time,
      transaction_updated_date: resource.update_time,
      transaction_amount: signed(resource.dispute_amount, -1),
      transaction_status: 'S',
      ...(disputed?.invoice_number ? { invoice_id: disputed.invoice_number } : {}),
      ...(disputed?.custom ? { custom_field: disputed.custom } : {}),
    },
  };
}

/** What the query's dates mean, or PayPal's 400 for a window it refuses. */
function windowOf(query: SearchQuery, now: number): { from: number; to: number } {
  const from = Math.floor(Date.parse(query.start_date) / 1000);
  const to = Math.floor(Date.parse(query.end_date) / 1000);
  if (!Number.isFinite(from)) throw invalidRequest('INVALID_PARAMETER_SYNTAX', 'The value must be a date and time in Internet date and time format, with seconds.', 'start_date', 'query');
  if (!Number.isFinite(to)) throw invalidRequest('INVALID_PARAMETER_SYNTAX', 'The value must be a date and time in Internet date and time format, with seconds.', 'end_date', 'query');
  if (to < from) throw dateRefusal('end_date', query.end_date, 'End date must be after start date');
  if (to - from > MAX_WINDOW_SECONDS) throw dateRefusal('end_date', query.end_date, 'Date range is greater than 31 days');
  if (from < now - HISTORY_SECONDS) throw dateRefusal('start_date', query.start_date, 'Data for the given start date is not available.');
  return { from, to };
}

/** The search's own refusals name the problem in `issue` as a sentence, as PayPal's reporting API writes them. */
function dateRefusal(field: 'start_date' | 'end_date', value: string, issue: string): PaypalApiError {
  return new PaypalApiError(400, [{ issue, description: issue, field, value, location: 'query' }]);
}

interface Row<R> {
  data: R;
  seq: string;
}

/** Every transaction of the window, oldest first (ties in the order the records were made). */
async function transactionsIn(ctx: PaypalContext, from: number, to: number): Promise<Transaction[]> {
  const sql = ctx.tx.sql;
  const rows = await sql<(Row<unknown> & { type: string })[]>`
    select type, data, seq from sandbox.objects
    where type in ('paypal_capture', 'paypal_refund', ${SALE}, ${SALE_REFUND}, 'paypal_dispute') and created >= ${from} and created <= ${to}
    order by created, seq`;
  // The originals of refunds made in the window, wherever they fall: their custom field is shown on the refund.
  const captureIds = rows.filter((row) => row.type === 'paypal_refund').map((row) => (row.data as RefundRecord).internal.captureId);
  const saleIds = rows.filter((row) => row.type === SALE_REFUND).map((row) => (row.data as SaleRefundRecord).resource.sale_id);
  const originals = captureIds.length + saleIds.length === 0 ? [] : await sql<{ id: string; data: CaptureRecord | SaleRecord }[]>`select id, data from sandbox.objects where id in ${sql([...captureIds, ...saleIds])}`;
  const original = new Map(originals.map((row) => [row.id, row.data]));
  return rows.map((row) => {
    const seq = Number(row.seq);
    switch (row.type) {
      case 'paypal_capture':
        return captureTransaction(row.data as CaptureRecord, seq);
      case 'paypal_refund': {
        const refund = row.data as RefundRecord;
        return refundTransaction(refund, original.get(refund.internal.captureId) as CaptureRecord | undefined, seq);
      }
      case SALE:
        return saleTransaction(row.data as SaleRecord, seq);
      case SALE_REFUND: {
        const refund = row.data as SaleRefundRecord;
        return saleRefundTransaction(refund, original.get(refund.resource.sale_id) as SaleRecord | undefined, seq);
      }
      default:
        return disputeTransaction(row.data as DisputeRecord, seq);
    }
  });
}

function matches(query: SearchQuery, transaction: Transaction): boolean {
  const { info } = transaction;
  if (query.balance_affecting_records_only === 'Y' && info.transaction_status === 'D') return false;
  if (query.transaction_id && info.transaction_id !== query.transaction_id) return false;
  if (query.transaction_type && info.transaction_event_code !== query.transaction_type) return false;
  if (query.transaction_status && info.transaction_status !== query.transaction_status) return false;
  if (query.transaction_currency && info.transaction_amount.currency_code !== query.transaction_currency.toUpperCase()) return false;
  return true;
}

const QUERY_NAMES = Object.keys(SearchQuery.shape);

export const TRANSACTION_ROUTES: PaypalRoute[] = [
  {
    method: 'GET',
    path: '/v1/reporting/transactions',
    docs: DOCS,
    async handle(ctx) {
      const query = parseBody(SearchQuery, Object.fromEntries(QUERY_NAMES.flatMap((name) => (ctx.query.has(name) ? [[name, ctx.query.get(name)]] : []))), 'query');
      const window = windowOf(query, ctx.now);
      const found = (await transactionsIn(ctx, window.from, window.to)).filter((transaction) => matches(query, transaction));
      const totalPages = Math.ceil(found.length / query.page_size);
      const page = found.slice((query.page - 1) * query.page_size, query.page * query.page_size);
      const at = (number: number) => {
        const params = new URLSearchParams(ctx.query);
        params.set('page', String(number));
        return `${ctx.base}/v1/reporting/transactions?${params.toString()}`;
      };
      const links = [{ href: at(query.page), rel: 'self', method: 'GET' }];
      if (query.page < totalPages) links.push({ href: at(query.page + 1), rel: 'next', method: 'GET' }, { href: at(totalPages), rel: 'last', method: 'GET' });
      return {
        status: 200,
        body: {
          transaction_details: page.map((transaction) => ({ transaction_info: transaction.info })),
          account_number: SANDBOX_PAYEE.merchant_id,
          start_date: paypalTime(window.from),
          end_date: paypalTime(window.to),
          last_refreshed_datetime: paypalTime(ctx.now),
          page: query.page,
          total_items: found.length,
          total_pages: totalPages,
          links,
        },
      };
    },
  },
];
