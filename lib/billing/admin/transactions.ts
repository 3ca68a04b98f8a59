import { and, desc, eq, gte, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { disputes, orders, paymentProvider, payments, paymentStatus, refunds } from '@/db/schema';
import { UserFacingError } from '@/lib/errors';
import { fromDecimalString, money, MoneyError, type Money } from '@/lib/money';
import type { PaidCard, PaymentProviderName } from '@/lib/payments/types';
import { beforeCursor, CursorParam, cursorText, dateBounds, encodeCursor, Instant, Limit, parseListQuery, type SearchParams } from './query';

/**
 * The admin transactions list: every provider's payments in one list, newest first, paged by
 * keyset on (created_at desc, id desc), never OFFSET, so a deep page costs what the first does
 * and rows written while someone pages neither repeat nor push older rows out of sight.
 */


export { decodeCursor, encodeCursor } from './query';

const MinorUnits = z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** Search params arrive as strings; code may pass real booleans. */
const Flag = z.union([z.boolean(), z.stringbool()]);

/**
 * The list's filters, parsed from URL search params (every field optional, empty strings
 * dropped first so an untouched form field filters nothing).
 */
export const TransactionQuery = z
  .object({
    status: z.enum(paymentStatus.enumValues).optional(),
    provider: z.enum(paymentProvider.enumValues).optional(),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'A currency is a three-letter ISO 4217 code.')
      .transform((code) => code.toUpperCase())
      .optional(),
    /** Inclusive. A date alone means the start of that day (UTC). */
    from: Instant.optional(),
    /** A date alone includes that whole day (UTC); a date and time is exclusive. */
    to: Instant.optional(),
    /** Minor units of `currency`: an amount means nothing without its currency. */
    minAmount: MinorUnits.optional(),
    maxAmount: MinorUnits.optional(),
    hasRefunds: Flag.optional(),
    hasDispute: Flag.optional(),
    /** The account whose orders the payments paid (a customer's page). */
    userId: z.string().min(1).max(100).optional(),
    /** An email, an order number, a card's last 4, or a provider's payment or charge id (Stripe pi_… or ch_…/py_…, PayPal order or capture id). */
    q: z.string().trim().max(200).optional(),
    cursor: CursorParam.optional(),
    limit: Limit,
  })
  .refine((query) => query.currency !== undefined || (query.minAmount === undefined && query.maxAmount === undefined), {
    message: 'Choose a currency to filter by amount: amounts in different currencies cannot be compared.',
    path: ['currency'],
  });

export type TransactionQuery = z.output<typeof TransactionQuery>;
export type TransactionQueryInput = z.input<typeof TransactionQuery>;

/**
 * Parses a page's search params (as Next.js hands them over) and refuses bad ones with a
 * UserFacingError naming the field, so a hand-edited or stale URL is a message, not a 500.
 */
export function parseTransactionQuery(params: SearchParams): TransactionQuery {
  return parseListQuery(TransactionQuery, params);
}

/** The filters a page's URL carries, as typed: amounts (`min`, `max`) are decimals in the chosen currency. */
export const TRANSACTION_FILTER_KEYS = ['q', 'status', 'provider', 'currency', 'from', 'to', 'min', 'max', 'hasRefunds', 'hasDispute'] as const;
export type TransactionFilters = Partial<Record<(typeof TRANSACTION_FILTER_KEYS)[number], string>>;


function param(params: SearchParams, key: string): string | undefined {
  const value = params instanceof URLSearchParams ? params.get(key) : params[key];
  const first = Array.isArray(value) ? value[0] : value;
  const trimmed = first?.trim();
  return trimmed ? trimmed : undefined;
}

/** The known filters of a URL, trimmed, empty ones dropped: what the form shows back and what links carry on. */
export function transactionFilters(params: SearchParams): TransactionFilters {
  const filters: TransactionFilters = {};
  for (const key of TRANSACTION_FILTER_KEYS) {
    const value = param(params, key);
    if (value !== undefined) filters[key] = value;
  }
  return filters;
}

/**
 * A typed amount ("12.50") in minor units of `currency`, by lib/money's digit arithmetic (a float
 * would turn 0.29 into 28 cents). More decimals than the currency has are refused, not rounded:
 * a filter that silently moved its bound would hide or show a payment the admin did not expect.
 */
function minorUnitsOf(value: string, currency: string | undefined, field: 'min' | 'max'): string {
  const name = field === 'min' ? 'minimum' : 'maximum';
  if (!currency) throw new UserFacingError('Choose a currency to filter by amount: amounts in different currencies cannot be compared.', 'invalid_filter', 'currency');
  if (!/^\d{1,15}(?:\.\d{1,15})?$/.test(value)) throw new UserFacingError(`The ${name} amount should be a number such as 12.50.`, 'invalid_filter', field);
  try {
    return String(fromDecimalString(value, currency).amount);
  } catch (error) {
    if (error instanceof MoneyError) throw new UserFacingError(`The ${name} amount: ${error.message}.`, 'invalid_filter', field);
    throw error;
  }
}

/**
 * Parses a page's (or the export's) URL: the filters as a person typed them, plus the pager's
 * `cursor` and `limit`. Throws UserFacingError naming the field for anything wrong.
 */
export function parseTransactionSearch(params: SearchParams): TransactionQuery {
  const filters = transactionFilters(params);
  const currency = filters.currency;
  if (currency !== undefined && !/^[A-Za-z]{3}$/.test(currency)) throw new UserFacingError('A currency is a three-letter ISO 4217 code.', 'invalid_filter', 'currency');
  const minAmount = filters.min === undefined ? undefined : minorUnitsOf(filters.min, currency, 'min');
  const maxAmount = filters.max === undefined ? undefined : minorUnitsOf(filters.max, currency, 'max');
  if (minAmount !== undefined && maxAmount !== undefined && BigInt(minAmount) > BigInt(maxAmount)) {
    throw new UserFacingError('The minimum amount is above the maximum.', 'invalid_filter', 'min');
  }
  const { min: _min, max: _max, ...rest } = filters;
  return parseTransactionQuery({ ...rest, minAmount, maxAmount, cursor: param(params, 'cursor'), limit: param(params, 'limit') });
}

export interface TransactionRow {
  paymentId: string;
  provider: PaymentProviderName;
  providerPaymentId: string;
  status: (typeof paymentStatus.enumValues)[number];
  amount: Money;
  amountCaptured: Money;
  amountRefunded: Money;
  createdAt: Date;
  /** Null for a payment no order owns. */
  orderNumber: number | null;
  customerEmail: string | null;
  /** Stripe's charge, PayPal's capture; null until money moved. */
  providerChargeId: string | null;
  /** Null when paid from a wallet, or before a card was tried. */
  card: PaidCard | null;
  refundCount: number;
  hasDispute: boolean;
}

export interface TransactionPage {
  rows: TransactionRow[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/**
 * What `q` means is decided by its form, and each form is an exact, indexed match (no LIKE '%…%'
 * over a million rows). Where a form could be two things, both are tried, as conditions on
 * payments alone, so PostgreSQL ORs index probes (a BitmapOr); an OR reaching across the join to
 * orders would scan both tables instead.
 */
function searchCondition(q: string): SQL | undefined {
  if (q === '') return undefined;
  // orders_email_idx, on lower(email).
  if (q.includes('@')) return sql`lower(${orders.email}) = ${q.toLowerCase()}`;
  const byOrderNumber = (number: number) => eq(payments.orderId, sql`(select ${orders.id} from ${orders} where ${orders.number} = ${number})`);
  // Four digits are a card's last 4, or an order number: numbers start at 1000, so a young shop's
  // orders all have four digits, and neither reading can be ruled out. PostgreSQL ORs a probe of
  // payments_card_last4_created_at_id_idx with the order's, or, for a last 4 many payments share,
  // walks the list's own index checking both (measured on 200,000 payments: under 1 ms either
  // way, unless the matches all lie far back in time: then the walk reads up to the whole table).
  // A last 4 alone would be a keyset walk of its index at any depth, but an order number must be found too.
  if (/^\d{4}$/.test(q)) return or(eq(payments.cardLast4, q), byOrderNumber(Number(q)));
  // The unique (provider, provider_payment_id) index serves an id search without an index of
  // its own: naming every provider turns it into one index probe per provider.
  const byProviderId = and(inArray(payments.provider, [...paymentProvider.enumValues]), eq(payments.providerPaymentId, q));
  // Order numbers are digits; a provider id could be too (PayPal's are 17 letters or digits), so
  // digits try both.
  if (/^\d{1,15}$/.test(q)) return or(byOrderNumber(Number(q)), byProviderId);
  // payments_provider_charge_id_idx.
  const byChargeId = eq(payments.providerChargeId, q);
  // Stripe's charges (ch_, and py_ for charges of other methods) are never a payment's id.
  if (/^(ch|py)_/.test(q)) return byChargeId;
  // Anything else is a payment's id (Stripe's pi_, a PayPal order) or a PayPal capture's: both
  // are 17 letters and digits, so a PayPal id is looked up as either.
  return or(byProviderId, byChargeId);
}

/** Whether the payment has (or, `false`, has no) row in a table of its refunds or disputes. */
function existsFor(table: typeof refunds | typeof disputes, paymentId: typeof refunds.paymentId | typeof disputes.paymentId, wanted: boolean): SQL {
  const rows = sql`exists (select 1 from ${table} where ${paymentId} = ${payments.id})`;
  return wanted ? rows : sql`not ${rows}`;
}

function conditions(query: TransactionQuery): SQL[] {
  const where: (SQL | undefined)[] = [
    query.status ? eq(payments.status, query.status) : undefined,
    query.provider ? eq(payments.provider, query.provider) : undefined,
    query.currency ? eq(payments.currency, query.currency) : undefined,
    ...dateBounds(payments.createdAt, query.from, query.to),
    query.minAmount !== undefined ? gte(payments.amount, query.minAmount) : undefined,
    query.maxAmount !== undefined ? lte(payments.amount, query.maxAmount) : undefined,
    query.hasRefunds === undefined ? undefined : existsFor(refunds, refunds.paymentId, query.hasRefunds),
    query.hasDispute === undefined ? undefined : existsFor(disputes, disputes.paymentId, query.hasDispute),
    query.userId ? eq(orders.userId, query.userId) : undefined,
    query.q ? searchCondition(query.q) : undefined,
    query.cursor ? beforeCursor(payments.createdAt, payments.id, query.cursor) : undefined,
  ];
  return where.filter((condition): condition is SQL => condition !== undefined);
}

/** One page of payments from every provider, newest first, with their order and buyer. */
export async function listTransactions(db: Database, query: TransactionQuery): Promise<TransactionPage> {
  const rows = await db
    .select({
      paymentId: payments.id,
      provider: payments.provider,
      providerPaymentId: payments.providerPaymentId,
      status: payments.status,
      currency: payments.currency,
      amount: payments.amount,
      amountCaptured: payments.amountCaptured,
      amountRefunded: payments.amountRefunded,
      createdAt: payments.createdAt,
      cursorCreatedAt: cursorText(payments.createdAt),
      orderNumber: orders.number,
      customerEmail: orders.email,
      providerChargeId: payments.providerChargeId,
      cardBrand: payments.cardBrand,
      cardLast4: payments.cardLast4,
      // Evaluated only for the rows of the page, after the limit.
      refundCount: sql<number>`(select count(*)::int from ${refunds} where ${refunds.paymentId} = ${payments.id})`,
      hasDispute: sql<boolean>`exists (select 1 from ${disputes} where ${disputes.paymentId} = ${payments.id})`,
    })
    .from(payments)
    .leftJoin(orders, eq(orders.id, payments.orderId))
    .where(and(...conditions(query)))
    .orderBy(desc(payments.createdAt), desc(payments.id))
    // One row more than the page tells whether another page follows without counting.
    .limit(query.limit + 1);

  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    rows: page.map((row) => ({
      paymentId: row.paymentId,
      provider: row.provider,
      providerPaymentId: row.providerPaymentId,
      status: row.status,
      amount: money(row.amount, row.currency),
      amountCaptured: money(row.amountCaptured, row.currency),
      amountRefunded: money(row.amountRefunded, row.currency),
      createdAt: row.createdAt,
      orderNumber: row.orderNumber,
      customerEmail: row.customerEmail,
      providerChargeId: row.providerChargeId,
      card: row.cardLast4 ? { brand: row.cardBrand ?? 'unknown', last4: row.cardLast4 } : null,
      refundCount: row.refundCount,
      hasDispute: row.hasDispute,
    })),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ at: last.cursorCreatedAt, id: last.paymentId }) : null,
  };
}
