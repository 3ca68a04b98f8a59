import { stringify } from 'csv-stringify/sync';
import type { Database } from '@/db/client';
import { auditLog } from '@/db/schema';
import { assertCan } from '@/lib/auth/roles';
import type { SessionUser } from '@/lib/auth/users';
import { toDecimalString } from '@/lib/money';
import { decodeCursor, listTransactions, type TransactionQuery, type TransactionRow } from './transactions';

/**
 * The transactions CSV: every payment the filters match, read by the list's own keyset a chunk
 * at a time, so an export of a million rows holds one chunk in memory, never the whole result,
 * and costs each query what the first page costs.
 */

/**
 * Rows per query and per piece of the stream. Small, because whatever of a chunk is alive when a
 * young-generation collection comes (its rows in four shapes, from the driver's to the CSV's, all
 * made at once) tends to be promoted to the old generation, which grows until a full collection:
 * at 1,000 rows an export of a million promoted some 2.8 MB per collection and grew the server by
 * 170 MB; at 100 it grows it by under 70 MB (bench:admin). A query of 100 rows by the keyset
 * still costs what the first page costs.
 */
export const EXPORT_CHUNK_SIZE = 100;

/**
 * Every payment matching `query` (its cursor and limit ignored), newest first, each exactly once,
 * a chunk of rows at a time, each chunk made into what `convert` makes of it (its CSV text) as
 * soon as it is read.
 */
export async function* transactionChunks<T>(
  db: Database,
  query: TransactionQuery,
  convert: (rows: TransactionRow[]) => T,
  { chunkSize = EXPORT_CHUNK_SIZE } = {},
): AsyncGenerator<T> {
  let cursor: TransactionQuery['cursor'];
  for (;;) {
    const chunk = await convertedChunk(db, { ...query, cursor, limit: chunkSize }, convert);
    if (chunk.count > 0) yield chunk.value;
    if (!chunk.nextCursor) return;
    cursor = decodeCursor(chunk.nextCursor) ?? undefined;
    if (!cursor) throw new Error('the transactions list wrote a cursor it cannot read');
  }
}

/**
 * One chunk, read and converted in a function of its own so that its rows are garbage once it
 * returns: held in the generator, as they were, a chunk's rows stayed reachable through the next
 * chunk's query (a generator keeps its locals across its awaits and yields), long enough to be
 * promoted to the old generation.
 */
async function convertedChunk<T>(db: Database, query: TransactionQuery, convert: (rows: TransactionRow[]) => T): Promise<{ value: T; count: number; nextCursor: string | null }> {
  const page = await listTransactions(db, query);
  return { value: convert(page.rows), count: page.rows.length, nextCursor: page.nextCursor };
}

export const CSV_HEADER = [
  'created_at',
  'payment_id',
  'provider',
  'provider_payment_id',
  'provider_charge_id',
  'status',
  'currency',
  'amount',
  'amount_captured',
  'amount_refunded',
  'amount_minor',
  'amount_captured_minor',
  'amount_refunded_minor',
  'order_number',
  'customer_email',
  'card_brand',
  'card_last4',
  'refunds',
  'has_dispute',
] as const;

/**
 * A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection"):
 * a buyer's email such as `=HYPERLINK(…)@x.com` would become a link or a command on the admin's
 * machine. Such cells get a leading apostrophe, which spreadsheets show as text.
 */
const FORMULA_START = /^[=+\-@\t\r\n]/;

export function neutralizeFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

function csvRecord(row: TransactionRow): (string | number)[] {
  return [
    row.createdAt.toISOString(),
    row.paymentId,
    row.provider,
    row.providerPaymentId,
    row.providerChargeId ?? '',
    row.status,
    row.amount.currency,
    toDecimalString(row.amount),
    toDecimalString(row.amountCaptured),
    toDecimalString(row.amountRefunded),
    row.amount.amount,
    row.amountCaptured.amount,
    row.amountRefunded.amount,
    row.orderNumber ?? '',
    row.customerEmail ?? '',
    row.card?.brand ?? '',
    row.card?.last4 ?? '',
    row.refundCount,
    row.hasDispute ? 'true' : 'false',
  ];
}

function toCsv(records: (string | number)[][]): string {
  // Every text cell goes through the guard, the ones we write (ids, decimals) as well: none
  // of ours starts with those characters, so the rule stays one line with no exceptions.
  return stringify(records, { cast: { string: neutralizeFormula }, record_delimiter: 'windows' });
}

/** The CSV text of `query`'s payments, the header first, then one string per chunk of rows. */
export async function* transactionCsv(db: Database, query: TransactionQuery, { chunkSize = EXPORT_CHUNK_SIZE } = {}): AsyncGenerator<string> {
  yield toCsv([[...CSV_HEADER]]);
  yield* transactionChunks(db, query, (rows) => toCsv(rows.map(csvRecord)), { chunkSize });
}

/** The filters an export used, as the audit log keeps them (no pager state). */
function exportedFilters(query: TransactionQuery): Record<string, string | number | boolean> {
  const { cursor: _cursor, limit: _limit, ...filters } = query;
  return Object.fromEntries(Object.entries(filters).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined));
}

/**
 * Starts a staff member's export: checks they may read the console, records in the audit log who
 * exported which filters (before the first byte, so an export cut short is still on record), and
 * returns the file's name and its text as chunks to stream.
 */
export async function exportTransactions(db: Database, staff: SessionUser, query: TransactionQuery): Promise<{ filename: string; chunks: AsyncGenerator<string> }> {
  assertCan(staff, 'console.read');
  const exportId = crypto.randomUUID();
  const startedAt = new Date();
  await db.insert(auditLog).values({
    actorKind: 'user',
    actorUserId: staff.id,
    action: 'transactions.exported',
    subjectType: 'transaction_export',
    subjectId: exportId,
    data: { filters: exportedFilters(query) },
  });
  const stamp = startedAt.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  return { filename: `billfold-transactions-${stamp}.csv`, chunks: transactionCsv(db, query) };
}
