import { parse } from 'csv-parse/sync';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, disputes, orders, payments, refunds, users } from '@/db/schema';
import { AuthorizationError } from '@/lib/auth/errors';
import type { SessionUser } from '@/lib/auth/users';
import { isolatedDatabase, type TestDatabase } from '@/test/database';
import { CSV_HEADER, exportTransactions, transactionChunks, transactionCsv } from './transaction-export';
import { parseTransactionSearch, TransactionQuery } from './transactions';

const t = isolatedDatabase();

let sequence = 0;

/** A payment and its order written directly: these tests are about reading them out. */
async function addPayment(
  db: TestDatabase['db'],
  fixture: { createdAt: string; currency?: string; amount?: number; amountRefunded?: number; email?: string; providerPaymentId?: string; refunded?: boolean; disputed?: boolean; chargeId?: string; card?: { brand: string; last4: string } },
) {
  sequence += 1;
  const currency = fixture.currency ?? 'USD';
  const amount = fixture.amount ?? 2500;
  const email = fixture.email ?? `buyer${sequence}@example.com`;
  const [order] = await db.insert(orders).values({ email, currency, amountSubtotal: amount, amountTotal: amount }).returning();
  const [payment] = await db
    .insert(payments)
    .values({
      orderId: order!.id,
      provider: 'stripe',
      providerPaymentId: fixture.providerPaymentId ?? `pi_export${sequence}`,
      status: 'succeeded',
      currency,
      amount,
      amountCaptured: amount,
      amountRefunded: fixture.amountRefunded ?? 0,
      providerChargeId: fixture.chargeId ?? null,
      cardBrand: fixture.card?.brand ?? null,
      cardLast4: fixture.card?.last4 ?? null,
      createdAt: sql`${fixture.createdAt}::timestamptz`,
    })
    .returning();
  if (fixture.refunded) await db.insert(refunds).values({ paymentId: payment!.id, provider: 'stripe', status: 'succeeded', amount: fixture.amountRefunded ?? 100, currency });
  if (fixture.disputed) await db.insert(disputes).values({ paymentId: payment!.id, provider: 'stripe', providerDisputeId: `dp_export${sequence}`, status: 'needs_response', amount, currency });
  return { payment: payment!, order: order! };
}

/** The export of a page's URL filters, as text, as its chunks and as parsed records. */
async function csvOf(params: Record<string, string>, chunkSize?: number) {
  let text = '';
  const chunks: string[] = [];
  for await (const chunk of transactionCsv(t.db, parseTransactionSearch(params), { chunkSize })) {
    chunks.push(chunk);
    text += chunk;
  }
  const records: Record<string, string>[] = parse(text, { columns: true });
  return { text, chunks, records };
}

describe('walking the transactions for an export', () => {
  it('yields every matching row exactly once, in the list’s order, across chunk boundaries (ties in created_at included)', async () => {
    const expected: string[] = [];
    // 23 rows in chunks of 5: chunk boundaries fall inside a run of equal timestamps.
    const created = [...Array.from({ length: 9 }, () => '2026-06-01T12:00:00.000001Z'), ...Array.from({ length: 14 }, (_, index) => `2026-06-01T11:${String(index).padStart(2, '0')}:00Z`)];
    for (const createdAt of created) expected.push((await addPayment(t.db, { createdAt, currency: 'DKK' })).payment.id);
    await addPayment(t.db, { createdAt: '2026-06-01T12:00:00Z', currency: 'CHF' });

    const seen: string[] = [];
    for await (const ids of transactionChunks(t.db, TransactionQuery.parse({ currency: 'DKK' }), (rows) => rows.map((row) => row.paymentId), { chunkSize: 5 })) seen.push(...ids);

    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen).size).toBe(expected.length);
    const ordered = await t.db.select({ id: payments.id }).from(payments).where(eq(payments.currency, 'DKK')).orderBy(sql`${payments.createdAt} desc, ${payments.id} desc`);
    expect(seen).toEqual(ordered.map((row) => row.id));
  });

  it('ignores a page cursor and a page size: an export is the whole filtered list', async () => {
    for (let minute = 0; minute < 4; minute += 1) await addPayment(t.db, { createdAt: `2026-06-02T10:0${minute}:00Z`, currency: 'PLN' });
    const first = parseTransactionSearch({ currency: 'PLN', limit: '1' });
    const chunks: number[] = [];
    for await (const count of transactionChunks(t.db, first, (rows) => rows.length, { chunkSize: 3 })) chunks.push(count);
    expect(chunks).toEqual([3, 1]);
  });
});

describe('the transactions CSV', () => {
  it('starts with its header and writes amounts as decimal strings in their currency beside their minor units', async () => {
    const { payment, order } = await addPayment(t.db, { createdAt: '2026-07-01T08:30:00Z', currency: 'KWD', amount: 1500, amountRefunded: 5, refunded: true, email: 'Kuwait@Example.com', providerPaymentId: 'pi_kwd', chargeId: 'ch_kwd', card: { brand: 'visa', last4: '4242' } });
    await addPayment(t.db, { createdAt: '2026-07-02T08:30:00Z', currency: 'JPY', amount: 900 });

    const { text, records } = await csvOf({ currency: 'KWD' });
    expect(text.split('\r\n')[0]).toBe(CSV_HEADER.join(','));
    expect(records).toEqual([
      {
        created_at: '2026-07-01T08:30:00.000Z',
        payment_id: payment.id,
        provider: 'stripe',
        provider_payment_id: 'pi_kwd',
        provider_charge_id: 'ch_kwd',
        status: 'succeeded',
        currency: 'KWD',
        amount: '1.500',
        amount_captured: '1.500',
        amount_refunded: '0.005',
        amount_minor: '1500',
        amount_captured_minor: '1500',
        amount_refunded_minor: '5',
        order_number: String(order.number),
        customer_email: 'Kuwait@Example.com',
        card_brand: 'visa',
        card_last4: '4242',
        refunds: '1',
        has_dispute: 'false',
      },
    ]);
    const yen = await csvOf({ currency: 'JPY' });
    expect(yen.records[0]).toMatchObject({ amount: '900', amount_minor: '900', provider_charge_id: '', card_brand: '', card_last4: '' });
  });

  it('honours every filter the list honours: search, refunds, dispute, amount range', async () => {
    await addPayment(t.db, { createdAt: '2026-08-01T00:00:00Z', currency: 'SEK', amount: 1000, email: 'anna@example.com' });
    await addPayment(t.db, { createdAt: '2026-08-02T00:00:00Z', currency: 'SEK', amount: 5000, email: 'anna@example.com', refunded: true, amountRefunded: 100 });
    await addPayment(t.db, { createdAt: '2026-08-03T00:00:00Z', currency: 'SEK', amount: 9000, email: 'bo@example.com', disputed: true });
    const emails = async (params: Record<string, string>) => (await csvOf({ currency: 'SEK', ...params })).records.map((row) => `${row.customer_email} ${row.amount}`);

    expect(await emails({ q: 'ANNA@example.com' })).toEqual(['anna@example.com 50.00', 'anna@example.com 10.00']);
    expect(await emails({ hasRefunds: 'true' })).toEqual(['anna@example.com 50.00']);
    expect(await emails({ hasDispute: 'true' })).toEqual(['bo@example.com 90.00']);
    expect(await emails({ min: '10.01', max: '90' })).toEqual(['bo@example.com 90.00', 'anna@example.com 50.00']);
  });

  it('writes only the header when nothing matches', async () => {
    const { records, text } = await csvOf({ currency: 'XOF' });
    expect(records).toEqual([]);
    expect(text).toBe(`${CSV_HEADER.join(',')}\r\n`);
  });

  it('neutralises a cell a spreadsheet would run as a formula (= + - @ tab CR), keeping its text', async () => {
    const hostile = ['=HYPERLINK("http://evil.example","x")@example.com', '+1+1@example.com', '-2+3@example.com', '@SUM(A1)@example.com', '\tcmd@example.com', '\rcmd@example.com'];
    for (const [index, email] of hostile.entries()) await addPayment(t.db, { createdAt: `2026-09-01T00:00:0${index}Z`, currency: 'HUF', email });
    await addPayment(t.db, { createdAt: '2026-09-01T00:00:09Z', currency: 'HUF', email: 'plain,"quoted"@example.com' });

    const { records } = await csvOf({ currency: 'HUF' });
    const written = records.map((row) => row.customer_email);
    expect(written).toEqual(['plain,"quoted"@example.com', ...[...hostile].reverse().map((email) => `'${email}`)]);
    for (const cell of records.flatMap((row) => Object.values(row))) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('streams a chunk at a time rather than building the whole file', async () => {
    for (let second = 0; second < 7; second += 1) await addPayment(t.db, { createdAt: `2026-10-01T00:00:0${second}Z`, currency: 'CZK' });
    const { chunks, records } = await csvOf({ currency: 'CZK' }, 3);
    // The header, then 3 + 3 + 1 rows.
    expect(chunks.map((chunk) => chunk.split('\r\n').length - 1)).toEqual([1, 3, 3, 1]);
    expect(records).toHaveLength(7);
  });
});

describe('exporting as a staff member', () => {
  async function person(role: SessionUser['role']): Promise<SessionUser> {
    const [user] = await t.db.insert(users).values({ email: `${role}-${crypto.randomUUID()}@example.com`, role }).returning();
    return { id: user!.id, email: user!.email, name: null, role };
  }

  it('records who exported which filters in the audit log before the first row', async () => {
    const support = await person('support');
    const query = parseTransactionSearch({ currency: 'usd', min: '12.50', hasDispute: 'false', q: 'ada@example.com', cursor: undefined });
    const { filename, chunks } = await exportTransactions(t.db, support, query);
    expect(filename).toMatch(/^billfold-transactions-\d{8}-\d{6}\.csv$/);

    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.actorUserId, support.id));
    expect(entry).toMatchObject({
      actorKind: 'user',
      action: 'transactions.exported',
      subjectType: 'transaction_export',
      data: { filters: { currency: 'USD', minAmount: 1250, hasDispute: false, q: 'ada@example.com' } },
    });
    const first = await chunks.next();
    expect(first.value).toBe(`${CSV_HEADER.join(',')}\r\n`);
    await chunks.return(undefined);
  });

  it('refuses a customer, and records nothing', async () => {
    const customer = await person('customer');
    await expect(exportTransactions(t.db, customer, parseTransactionSearch({}))).rejects.toBeInstanceOf(AuthorizationError);
    expect(await t.db.select().from(auditLog).where(eq(auditLog.actorUserId, customer.id))).toEqual([]);
  });
});

describe('reading the filters a person typed', () => {
  it('turns decimal amounts into the currency’s minor units without floating point', () => {
    expect(parseTransactionSearch({ currency: 'usd', min: '0.29', max: '19.99' })).toMatchObject({ currency: 'USD', minAmount: 29, maxAmount: 1999 });
    expect(parseTransactionSearch({ currency: 'JPY', min: '500' })).toMatchObject({ minAmount: 500 });
    expect(parseTransactionSearch({ currency: 'KWD', max: '1.5' })).toMatchObject({ maxAmount: 1500 });
    expect(parseTransactionSearch(new URLSearchParams('currency=EUR&min=&max=&status=&q=+'))).toEqual({ currency: 'EUR', limit: 50 });
  });

  it('refuses amounts it cannot read, naming the field, instead of guessing', () => {
    const field = (params: Record<string, string>) => {
      try {
        parseTransactionSearch(params);
      } catch (error) {
        return { name: (error as Error).name, field: (error as { field?: string }).field, message: (error as Error).message };
      }
      return null;
    };
    expect(field({ min: '10' })).toMatchObject({ name: 'UserFacingError', field: 'currency', message: expect.stringMatching(/currency/) });
    expect(field({ currency: 'USD', min: '12.345' })).toMatchObject({ field: 'min', message: expect.stringMatching(/decimal places/) });
    expect(field({ currency: 'JPY', max: '1.5' })).toMatchObject({ field: 'max' });
    expect(field({ currency: 'USD', min: '-5' })).toMatchObject({ field: 'min' });
    expect(field({ currency: 'USD', min: '1e3' })).toMatchObject({ field: 'min' });
    expect(field({ currency: 'USD', min: '20', max: '10' })).toMatchObject({ field: 'min', message: expect.stringMatching(/above the maximum/) });
    expect(field({ currency: 'dollars' })).toMatchObject({ field: 'currency' });
    expect(field({ status: 'paid' })).toMatchObject({ field: 'status' });
  });
});
