import { desc, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { disputes, orders, payments, refunds } from '@/db/schema';
import { UserFacingError } from '@/lib/errors';
import { isolatedDatabase, type TestDatabase } from '@/test/database';
import { encodeCursor, listTransactions, parseTransactionQuery, TransactionQuery, type TransactionQueryInput, type TransactionRow } from './transactions';

type Provider = (typeof payments.$inferInsert)['provider'];
type Status = (typeof payments.$inferInsert)['status'];

interface PaymentFixture {
  createdAt: string;
  provider?: Provider;
  providerPaymentId?: string;
  status?: Status;
  currency?: string;
  amount?: number;
  amountCaptured?: number;
  amountRefunded?: number;
  /** The buyer's email; without one the payment has no order. */
  email?: string | null;
  refunds?: number;
  disputed?: boolean;
  chargeId?: string;
  card?: { brand: string; last4: string };
}

let sequence = 0;

/** A payment (and its order, refunds, dispute) written directly: these tests are about reading. */
async function addPayment(t: TestDatabase, fixture: PaymentFixture) {
  sequence += 1;
  const currency = fixture.currency ?? 'USD';
  const amount = fixture.amount ?? 2500;
  const email = fixture.email === undefined ? `buyer${sequence}@example.com` : fixture.email;
  const [order] = email ? await t.db.insert(orders).values({ email, currency, amountSubtotal: amount, amountTotal: amount }).returning() : [];
  const provider = fixture.provider ?? 'stripe';
  const [payment] = await t.db
    .insert(payments)
    .values({
      orderId: order?.id ?? null,
      provider,
      providerPaymentId: fixture.providerPaymentId ?? (provider === 'stripe' ? `pi_test${sequence}` : `PAYPAL${String(sequence).padStart(11, 'X')}`),
      status: fixture.status ?? 'succeeded',
      currency,
      amount,
      amountCaptured: fixture.amountCaptured ?? amount,
      amountRefunded: fixture.amountRefunded ?? 0,
      providerChargeId: fixture.chargeId ?? null,
      cardBrand: fixture.card?.brand ?? null,
      cardLast4: fixture.card?.last4 ?? null,
      createdAt: sql`${fixture.createdAt}::timestamptz`,
    })
    .returning();
  for (let index = 0; index < (fixture.refunds ?? 0); index += 1) {
    await t.db.insert(refunds).values({ paymentId: payment!.id, provider, status: 'succeeded', amount: 100, currency });
  }
  if (fixture.disputed) {
    await t.db.insert(disputes).values({ paymentId: payment!.id, provider, providerDisputeId: `dp_${sequence}`, status: 'needs_response', amount, currency });
  }
  return { payment: payment!, order: order ?? null };
}

function list(t: TestDatabase, input: TransactionQueryInput = {}) {
  return listTransactions(t.db, TransactionQuery.parse(input));
}

async function ids(t: TestDatabase, input: TransactionQueryInput = {}) {
  return (await list(t, input)).rows.map((row) => row.providerPaymentId);
}

/** Follows nextCursor to the end, as a page would, and returns every row seen in order. */
async function everyPage(t: TestDatabase, input: TransactionQueryInput, between?: () => Promise<void>): Promise<TransactionRow[]> {
  const seen: TransactionRow[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages += 1) {
    const page = await list(t, { ...input, cursor });
    seen.push(...page.rows);
    if (!page.nextCursor) return seen;
    cursor = page.nextCursor;
    await between?.();
  }
  throw new Error('pagination did not end');
}

describe('the transactions list', () => {
  const t = isolatedDatabase();

  it('shows payments of every provider newest first, with their order, buyer, card, charge, refunds and dispute, amounts in their own currency', async () => {
    const card = await addPayment(t, {
      createdAt: '2026-05-01T10:00:00Z',
      provider: 'stripe',
      providerPaymentId: 'pi_card',
      amount: 4200,
      amountRefunded: 200,
      refunds: 2,
      email: 'Ada@Example.com',
      chargeId: 'ch_card',
      card: { brand: 'visa', last4: '4242' },
    });
    await addPayment(t, { createdAt: '2026-05-02T10:00:00Z', provider: 'paypal', providerPaymentId: '5O190127TN364715T', currency: 'JPY', amount: 1500, disputed: true });
    await addPayment(t, { createdAt: '2026-05-03T10:00:00Z', providerPaymentId: 'pi_orphan', email: null, status: 'requires_payment_method', amountCaptured: 0 });

    const page = await list(t);
    expect(page.rows.map((row) => row.providerPaymentId)).toEqual(['pi_orphan', '5O190127TN364715T', 'pi_card']);
    expect(page.nextCursor).toBeNull();
    expect(page.rows[2]).toEqual({
      paymentId: card.payment.id,
      provider: 'stripe',
      providerPaymentId: 'pi_card',
      status: 'succeeded',
      amount: { amount: 4200, currency: 'USD' },
      amountCaptured: { amount: 4200, currency: 'USD' },
      amountRefunded: { amount: 200, currency: 'USD' },
      createdAt: new Date('2026-05-01T10:00:00Z'),
      orderNumber: card.order!.number,
      customerEmail: 'Ada@Example.com',
      providerChargeId: 'ch_card',
      card: { brand: 'visa', last4: '4242' },
      refundCount: 2,
      hasDispute: false,
    });
    expect(page.rows[1]).toMatchObject({ provider: 'paypal', amount: { amount: 1500, currency: 'JPY' }, refundCount: 0, hasDispute: true });
    expect(page.rows[0]).toMatchObject({ orderNumber: null, customerEmail: null, status: 'requires_payment_method' });
  });
});

describe('filtering transactions', () => {
  const t = isolatedDatabase();
  let ready: Promise<void> | undefined;

  /** One small ledger shared by the filter tests (they only read it). */
  function ledger() {
    ready ??= (async () => {
      await addPayment(t, { createdAt: '2026-03-01T09:00:00Z', providerPaymentId: 'pi_usd_small', amount: 500 });
      await addPayment(t, { createdAt: '2026-03-02T09:00:00Z', providerPaymentId: 'pi_usd_large', amount: 90000, refunds: 1, amountRefunded: 100 });
      await addPayment(t, { createdAt: '2026-03-03T23:59:59.999999Z', providerPaymentId: 'pi_usd_failed', status: 'canceled', amountCaptured: 0 });
      await addPayment(t, { createdAt: '2026-03-04T00:00:00Z', provider: 'paypal', providerPaymentId: 'PAYPALEUR00000001', currency: 'EUR', amount: 500, disputed: true });
      await addPayment(t, { createdAt: '2026-03-05T09:00:00Z', providerPaymentId: 'pi_jpy', currency: 'JPY', amount: 90000, email: 'Grace@Example.com' });
    })();
    return ready;
  }

  it('narrows to one status, provider or currency', async () => {
    await ledger();
    expect(await ids(t, { status: 'canceled' })).toEqual(['pi_usd_failed']);
    expect(await ids(t, { provider: 'paypal' })).toEqual(['PAYPALEUR00000001']);
    expect(await ids(t, { currency: 'jpy' })).toEqual(['pi_jpy']);
  });

  it('keeps a date range inclusive of the whole last day when given dates alone', async () => {
    await ledger();
    expect(await ids(t, { from: '2026-03-02', to: '2026-03-03' })).toEqual(['pi_usd_failed', 'pi_usd_large']);
    expect(await ids(t, { from: '2026-03-04T00:00:00Z' })).toEqual(['pi_jpy', 'PAYPALEUR00000001']);
    expect(await ids(t, { to: '2026-03-02T09:00:00Z' })).toEqual(['pi_usd_small']);
  });

  it('compares amounts only within the chosen currency, in its minor units', async () => {
    await ledger();
    expect(await ids(t, { currency: 'USD', minAmount: '10000' })).toEqual(['pi_usd_large']);
    expect(await ids(t, { currency: 'USD', maxAmount: '2500' })).toEqual(['pi_usd_failed', 'pi_usd_small']);
    // The same 90000 in yen is not 900.00 dollars.
    expect(await ids(t, { currency: 'JPY', minAmount: '50000', maxAmount: '90000' })).toEqual(['pi_jpy']);
    expect(await ids(t, { currency: 'EUR', minAmount: 500, maxAmount: 500 })).toEqual(['PAYPALEUR00000001']);
  });

  it('refuses an amount range without a currency, since amounts in different currencies cannot be compared', () => {
    expect(() => parseTransactionQuery({ minAmount: '100' })).toThrow(UserFacingError);
    expect(() => parseTransactionQuery({ minAmount: '100' })).toThrow(/currency/);
    expect(() => parseTransactionQuery({ currency: 'USD', minAmount: '1.5' })).toThrow(UserFacingError);
  });

  it('finds payments with or without refunds, and with or without a dispute', async () => {
    await ledger();
    expect(await ids(t, { hasRefunds: 'true' })).toEqual(['pi_usd_large']);
    expect(await ids(t, { hasRefunds: 'false' })).toEqual(['pi_jpy', 'PAYPALEUR00000001', 'pi_usd_failed', 'pi_usd_small']);
    expect(await ids(t, { hasDispute: true })).toEqual(['PAYPALEUR00000001']);
    expect(await ids(t, { hasDispute: 'false', currency: 'EUR' })).toEqual([]);
  });

  it('combines filters', async () => {
    await ledger();
    expect(await ids(t, { currency: 'USD', status: 'succeeded', hasRefunds: false })).toEqual(['pi_usd_small']);
  });

  it('reads URL search params, ignoring empty fields and naming the field of a bad one', () => {
    const query = parseTransactionQuery(new URLSearchParams('status=succeeded&provider=&currency=usd&hasDispute=true&limit=20'));
    expect(query).toEqual({ status: 'succeeded', currency: 'USD', hasDispute: true, limit: 20 });
    expect(parseTransactionQuery({}).limit).toBe(50);
    expect(() => parseTransactionQuery({ limit: '201' })).toThrow(expect.objectContaining({ field: 'limit' }));
    expect(() => parseTransactionQuery({ status: 'paid' })).toThrow(expect.objectContaining({ field: 'status' }));
    expect(() => parseTransactionQuery({ from: 'yesterday' })).toThrow(expect.objectContaining({ field: 'from' }));
    expect(() => parseTransactionQuery({ to: '2026-02-30' })).toThrow(expect.objectContaining({ field: 'to' }));
  });
});

describe('searching transactions', () => {
  const t = isolatedDatabase();

  it('finds by the buyer’s whole email in any case, never by part of it', async () => {
    await addPayment(t, { createdAt: '2026-04-01T00:00:00Z', providerPaymentId: 'pi_ada_1', email: 'Ada.Lovelace@Example.com' });
    await addPayment(t, { createdAt: '2026-04-02T00:00:00Z', providerPaymentId: 'pi_ada_2', email: 'ada.lovelace@example.com' });
    await addPayment(t, { createdAt: '2026-04-03T00:00:00Z', providerPaymentId: 'pi_other', email: 'lovelace@example.com' });
    expect(await ids(t, { q: '  ADA.LOVELACE@example.COM ' })).toEqual(['pi_ada_2', 'pi_ada_1']);
    expect(await ids(t, { q: '@example.com' })).toEqual([]);
  });

  it('finds by order number', async () => {
    const { order } = await addPayment(t, { createdAt: '2026-04-04T00:00:00Z', providerPaymentId: 'pi_numbered' });
    expect(await ids(t, { q: String(order!.number) })).toEqual(['pi_numbered']);
  });

  it('finds by the exact Stripe or PayPal payment id, including a PayPal id of digits alone', async () => {
    await addPayment(t, { createdAt: '2026-04-05T00:00:00Z', providerPaymentId: 'pi_3QxYz' });
    await addPayment(t, { createdAt: '2026-04-06T00:00:00Z', provider: 'paypal', providerPaymentId: '8GB67279RC051624C' });
    await addPayment(t, { createdAt: '2026-04-07T00:00:00Z', provider: 'paypal', providerPaymentId: '12345678901234567' });
    expect(await ids(t, { q: 'pi_3QxYz' })).toEqual(['pi_3QxYz']);
    expect(await ids(t, { q: '8GB67279RC051624C' })).toEqual(['8GB67279RC051624C']);
    expect(await ids(t, { q: '12345678901234567' })).toEqual(['12345678901234567']);
    expect(await ids(t, { q: 'pi_3Qx' })).toEqual([]);
    expect(await ids(t, { q: "' or 1=1 --" })).toEqual([]);
  });

  it("finds by a card's last 4, newest first, and shows the card on the row", async () => {
    await addPayment(t, { createdAt: '2026-05-01T00:00:00Z', providerPaymentId: 'pi_visa_old', card: { brand: 'visa', last4: '4242' } });
    await addPayment(t, { createdAt: '2026-05-02T00:00:00Z', providerPaymentId: 'pi_mc', card: { brand: 'mastercard', last4: '4444' } });
    await addPayment(t, { createdAt: '2026-05-03T00:00:00Z', provider: 'paypal', providerPaymentId: '9PAYPALCARD00001A', card: { brand: 'visa', last4: '4242' } });
    expect(await ids(t, { q: '4242' })).toEqual(['9PAYPALCARD00001A', 'pi_visa_old']);
    const [row] = (await list(t, { q: '4444' })).rows;
    expect(row).toMatchObject({ providerPaymentId: 'pi_mc', card: { brand: 'mastercard', last4: '4444' } });
    // Pages of one card's payments follow the keyset like any other list.
    expect((await everyPage(t, { q: '4242', limit: 1 })).map((each) => each.providerPaymentId)).toEqual(['9PAYPALCARD00001A', 'pi_visa_old']);
  });

  it('reads four digits as a card’s last 4 and as an order number, since order numbers start at 1000', async () => {
    const { order } = await addPayment(t, { createdAt: '2026-05-04T00:00:00Z', providerPaymentId: 'pi_order_four_digits' });
    const number = String(order!.number);
    expect(number).toMatch(/^\d{4}$/);
    await addPayment(t, { createdAt: '2026-05-05T00:00:00Z', providerPaymentId: 'pi_card_same_digits', email: null, card: { brand: 'amex', last4: number } });
    expect(await ids(t, { q: number })).toEqual(['pi_card_same_digits', 'pi_order_four_digits']);
  });

  it("finds by Stripe's charge id, and by a PayPal capture id as well as its order id", async () => {
    await addPayment(t, { createdAt: '2026-05-06T00:00:00Z', providerPaymentId: 'pi_charged', chargeId: 'ch_3QxCharge' });
    await addPayment(t, { createdAt: '2026-05-07T00:00:00Z', providerPaymentId: 'pi_other_method', chargeId: 'py_3QxOther' });
    await addPayment(t, { createdAt: '2026-05-08T00:00:00Z', provider: 'paypal', providerPaymentId: '5O190127TN364715T', chargeId: '3C679366HH908993F' });
    expect(await ids(t, { q: 'ch_3QxCharge' })).toEqual(['pi_charged']);
    expect(await ids(t, { q: 'py_3QxOther' })).toEqual(['pi_other_method']);
    expect(await ids(t, { q: '3C679366HH908993F' })).toEqual(['5O190127TN364715T']);
    expect(await ids(t, { q: '5O190127TN364715T' })).toEqual(['5O190127TN364715T']);
    expect(await ids(t, { q: 'ch_3Qx' })).toEqual([]);
    const [row] = (await list(t, { q: 'ch_3QxCharge' })).rows;
    expect(row).toMatchObject({ providerChargeId: 'ch_3QxCharge', card: null });
  });

  it('searches within the other filters', async () => {
    await addPayment(t, { createdAt: '2026-04-08T00:00:00Z', providerPaymentId: 'pi_grace_usd', email: 'grace@example.com' });
    await addPayment(t, { createdAt: '2026-04-09T00:00:00Z', providerPaymentId: 'pi_grace_eur', email: 'grace@example.com', currency: 'EUR' });
    expect(await ids(t, { q: 'grace@example.com', currency: 'EUR' })).toEqual(['pi_grace_eur']);
  });
});

describe('paging through transactions', () => {
  const t = isolatedDatabase();

  it('visits every row exactly once, in order, even rows created in the same microsecond or a microsecond apart', async () => {
    const expected: string[] = [];
    const created = [
      ...Array.from({ length: 7 }, () => '2026-02-01T12:00:00.000001Z'), // ties: ordered by id
      '2026-02-01T12:00:00.000002Z',
      '2026-02-01T12:00:00.000003Z',
      ...Array.from({ length: 14 }, (_, index) => `2026-02-01T11:${String(index).padStart(2, '0')}:00Z`),
    ];
    for (const createdAt of created) {
      const { payment } = await addPayment(t, { createdAt, currency: 'CHF' });
      expected.push(payment.id);
    }
    const seen = await everyPage(t, { currency: 'CHF', limit: 2 });
    expect(seen.map((row) => row.paymentId).sort()).toEqual([...expected].sort());
    expect(new Set(seen.map((row) => row.paymentId)).size).toBe(expected.length);
    // The order PostgreSQL itself gives, at full microsecond precision (a JS Date would blur it).
    const ordered = await t.db.select({ id: payments.id }).from(payments).where(eq(payments.currency, 'CHF')).orderBy(desc(payments.createdAt), desc(payments.id));
    expect(seen.map((row) => row.paymentId)).toEqual(ordered.map((row) => row.id));
  });

  it('keyset pagination is stable under inserts: new payments between pages neither repeat nor skip older rows', async () => {
    const older: string[] = [];
    for (let minute = 0; minute < 12; minute += 1) {
      const { payment } = await addPayment(t, { createdAt: `2026-01-10T10:${String(minute).padStart(2, '0')}:00Z`, currency: 'SEK' });
      older.push(payment.id);
    }
    const inserted: string[] = [];
    const seen = await everyPage(t, { currency: 'SEK', limit: 5 }, async () => {
      // Payments arriving while an admin reads: newer than anything listed, as in production.
      const { payment } = await addPayment(t, { createdAt: new Date().toISOString(), currency: 'SEK' });
      inserted.push(payment.id);
    });
    const seenIds = seen.map((row) => row.paymentId);
    expect(new Set(seenIds).size).toBe(seenIds.length);
    expect(seenIds.filter((id) => older.includes(id)).sort()).toEqual([...older].sort());
    expect(seenIds.filter((id) => inserted.includes(id))).toEqual([]);
    // …and a fresh first page shows them.
    expect((await list(t, { currency: 'SEK', limit: 2 })).rows.map((row) => row.paymentId)).toEqual([...inserted].reverse().slice(0, 2));
  });

  it('ends with no next cursor when the last page is exactly full', async () => {
    for (let day = 1; day <= 4; day += 1) await addPayment(t, { createdAt: `2025-12-0${day}T00:00:00Z`, currency: 'NOK' });
    const first = await list(t, { currency: 'NOK', limit: 2 });
    const second = await list(t, { currency: 'NOK', limit: 2, cursor: first.nextCursor! });
    expect(second.rows).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
  });

  it('refuses a malformed cursor with a clear message instead of failing the page', () => {
    const forged = [
      'not a cursor',
      'bm90IGpzb24',
      Buffer.from(JSON.stringify({ c: '2026-01-01T00:00:00.000000Z', i: 'not-a-uuid' })).toString('base64url'),
      Buffer.from(JSON.stringify({ c: "2026'); drop table payments; --", i: crypto.randomUUID() })).toString('base64url'),
      Buffer.from(JSON.stringify({ c: '2026-13-45T99:00:00.000000Z', i: crypto.randomUUID() })).toString('base64url'),
      Buffer.from(JSON.stringify({ c: '2026-02-30T00:00:00.000000Z', i: crypto.randomUUID() })).toString('base64url'),
    ];
    for (const cursor of forged) {
      expect(() => parseTransactionQuery({ cursor }), cursor).toThrow(expect.objectContaining({ name: 'UserFacingError', code: 'invalid_cursor', field: 'cursor' }));
      expect(TransactionQuery.safeParse({ cursor }).success).toBe(false);
    }
    const valid = encodeCursor({ at: '2026-01-01T00:00:00.000000Z', id: crypto.randomUUID() });
    expect(parseTransactionQuery({ cursor: valid }).cursor).toMatchObject({ at: '2026-01-01T00:00:00.000000Z' });
  });
});
