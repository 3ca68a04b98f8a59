import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '@/db/client';
import { customers, invoices, prices, subscriptions, users } from '@/db/schema';
import { seedCatalog } from '@/db/seed';
import type { SessionUser } from '@/lib/auth/users';
import { isolatedDatabase } from '@/test/database';
import { receiptForUser, receiptPath } from './receipts';
import { invoicesFor } from './subscriptions';

// The route handler is called as Next.js calls it, with the session and the database it would
// use replaced: who is signed in (or nobody), and this file's own database.
const route = vi.hoisted(() => ({ user: null as SessionUser | null, db: null as Database | null }));
vi.mock('@/lib/auth/guards', async () => {
  const { AuthorizationError } = await import('@/lib/auth/errors');
  return {
    requireUser: async () => {
      if (!route.user) throw new AuthorizationError('unauthenticated');
      return route.user;
    },
    requirePermission: async () => {
      throw new AuthorizationError('forbidden');
    },
  };
});
vi.mock('@/db/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/db/client')>()),
  db: new Proxy({}, { get: (_target, property) => Reflect.get(route.db!, property) }),
}));

const t = isolatedDatabase();

beforeAll(async () => {
  await seedCatalog(t.db);
  route.db = t.db;
});

type InvoiceRow = typeof invoices.$inferInsert;

/** An account with a customer at `provider` and a subscription to Starter there, as the webhooks would have recorded it. */
async function subscriber(name: string, provider: 'paypal' | 'stripe' = 'paypal') {
  const [user] = await t.db.insert(users).values({ email: `${name}@example.com` }).returning();
  const [customer] = await t.db
    .insert(customers)
    .values({ userId: user!.id, email: `${name}@example.com`, provider, providerCustomerId: `${provider}-customer-${name}` })
    .returning();
  const [starter] = await t.db.select().from(prices).where(eq(prices.lookupKey, 'starter-monthly-usd'));
  const payment =
    provider === 'paypal'
      ? { paymentMethodBrand: 'paypal', paymentMethodEmail: `${name}-payer@example.com` }
      : { paymentMethodBrand: 'visa', paymentMethodLast4: '4242', paymentMethodExpMonth: 12, paymentMethodExpYear: 2030 };
  const [subscription] = await t.db
    .insert(subscriptions)
    .values({ userId: user!.id, customerId: customer!.id, provider, providerSubscriptionId: `${provider}-sub-${name}`, status: 'active', priceId: starter!.id, providerCreatedAt: new Date('2026-11-01T00:00:00Z'), ...payment })
    .returning();
  const invoice = async (values: Partial<InvoiceRow> & Pick<InvoiceRow, 'providerInvoiceId'>) => {
    const [row] = await t.db
      .insert(invoices)
      .values({
        subscriptionId: subscription!.id,
        customerId: customer!.id,
        provider,
        status: 'paid',
        currency: 'USD',
        amountDue: 900,
        amountPaid: 900,
        providerCreatedAt: new Date('2026-12-01T09:30:00Z'),
        paidAt: new Date('2026-12-01T09:30:05Z'),
        periodStart: new Date('2026-12-01T00:00:00Z'),
        periodEnd: new Date('2027-01-01T00:00:00Z'),
        ...values,
      })
      .returning();
    return row!;
  };
  const session: SessionUser = { id: user!.id, email: user!.email, name: null, role: 'customer' };
  return { user: user!, session, invoice };
}

async function getReceipt(as: SessionUser | null, id: string): Promise<Response> {
  route.user = as;
  const { GET } = await import('@/app/(account)/account/billing/invoices/[id]/receipt/route');
  return GET(new Request(`http://localhost${receiptPath(id)}`), { params: Promise.resolve({ id }) });
}

describe('the receipt of an invoice, for its own account only', () => {
  it('finds a paid PayPal payment of the account with everything its receipt shows', async () => {
    const alice = await subscriber('alice');
    const invoice = await alice.invoice({ providerInvoiceId: '8MC585209K746392H', amountPaid: 900 });
    expect(await receiptForUser(t.db, alice.user.id, invoice.id)).toEqual({
      invoiceId: invoice.id,
      number: '8MC585209K746392H',
      paidAt: new Date('2026-12-01T09:30:05Z'),
      email: 'alice@example.com',
      planName: 'Starter',
      period: { start: new Date('2026-12-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') },
      amountPaid: { amount: 900, currency: 'USD' },
      refund: null,
      payment: { kind: 'account', provider: 'paypal', email: 'alice-payer@example.com' },
      provider: 'paypal',
      providerTransactionId: '8MC585209K746392H',
    });
  });

  it('numbers a receipt by the invoice’s number when it has one, and names the card a card subscription pays with', async () => {
    const carol = await subscriber('carol', 'stripe');
    const invoice = await carol.invoice({ providerInvoiceId: 'in_carol', number: 'BF-0042', invoicePdf: null });
    expect(await receiptForUser(t.db, carol.user.id, invoice.id)).toMatchObject({ number: 'BF-0042', providerTransactionId: 'in_carol', payment: { kind: 'card', last4: '4242' } });
  });

  it('finds nothing for another account’s invoice, though its owner finds it', async () => {
    const owner = await subscriber('owner');
    const stranger = await subscriber('stranger');
    const invoice = await owner.invoice({ providerInvoiceId: 'OWNERS-PAYMENT' });
    expect(await receiptForUser(t.db, stranger.user.id, invoice.id)).toBeNull();
    expect(await receiptForUser(t.db, owner.user.id, invoice.id)).not.toBeNull();
  });

  it('finds nothing for an invoice that is not paid, whatever else it is', async () => {
    const dave = await subscriber('dave');
    for (const status of ['draft', 'open', 'uncollectible', 'void'] as const) {
      const invoice = await dave.invoice({ providerInvoiceId: `DAVE-${status}`, status, amountPaid: 0, paidAt: null });
      expect(await receiptForUser(t.db, dave.user.id, invoice.id), status).toBeNull();
    }
  });

  it('finds nothing for an invoice the provider keeps its own PDF of: that PDF is its document', async () => {
    const erin = await subscriber('erin', 'stripe');
    const invoice = await erin.invoice({ providerInvoiceId: 'in_erin', number: 'BF-0043', invoicePdf: 'https://pay.example/invoice/in_erin/pdf' });
    expect(await receiptForUser(t.db, erin.user.id, invoice.id)).toBeNull();
  });

  it('finds nothing for an unknown id, or one that is not an id at all', async () => {
    const frank = await subscriber('frank');
    expect(await receiptForUser(t.db, frank.user.id, crypto.randomUUID())).toBeNull();
    for (const id of ['', 'not-a-uuid', "' or 1=1 --", '1', `${crypto.randomUUID()}x`]) expect(await receiptForUser(t.db, frank.user.id, id), id).toBeNull();
  });

  it('is offered in the invoice list exactly for the invoices that have one', async () => {
    const gina = await subscriber('gina');
    const paid = await gina.invoice({ providerInvoiceId: 'GINA-PAID' });
    await gina.invoice({ providerInvoiceId: 'GINA-OPEN', status: 'open', amountPaid: 0, paidAt: null, providerCreatedAt: new Date('2027-01-01T09:30:00Z') });
    await gina.invoice({ providerInvoiceId: 'GINA-WITH-PDF', invoicePdf: 'https://pay.example/pdf', providerCreatedAt: new Date('2026-11-01T09:30:00Z') });
    const list = await invoicesFor(t.db, gina.user.id);
    expect(list.map((invoice) => invoice.receiptUrl)).toEqual([null, `/account/billing/invoices/${paid.id}/receipt`, null]);
    for (const invoice of list) expect(await receiptForUser(t.db, gina.user.id, invoice.id) !== null, invoice.id).toBe(invoice.receiptUrl !== null);
  });
});

describe('GET /account/billing/invoices/<id>/receipt', () => {
  it('downloads the signed-in subscriber’s receipt as a private PDF attachment named by its number', async () => {
    const hana = await subscriber('hana');
    const invoice = await hana.invoice({ providerInvoiceId: '5TY05013RG002845M' });
    const response = await getReceipt(hana.session, invoice.id);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="receipt-5TY05013RG002845M.pdf"');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(Buffer.from(await response.arrayBuffer()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('keeps only filename-safe characters of a provider’s number in the header', async () => {
    const ivan = await subscriber('ivan', 'stripe');
    const invoice = await ivan.invoice({ providerInvoiceId: 'in_ivan', number: 'A/B "7"\r\nX: y' });
    const response = await getReceipt(ivan.session, invoice.id);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="receipt-A-B--7---X--y.pdf"');
  });

  it('answers another account’s, an unpaid, an unknown and a malformed invoice id with the same 404', async () => {
    const owner = await subscriber('route-owner');
    const stranger = await subscriber('route-stranger');
    const theirs = await owner.invoice({ providerInvoiceId: 'ROUTE-THEIRS' });
    const unpaid = await stranger.invoice({ providerInvoiceId: 'ROUTE-UNPAID', status: 'open', amountPaid: 0, paidAt: null });
    const bodies = [];
    for (const id of [theirs.id, unpaid.id, crypto.randomUUID(), 'not-an-id']) {
      const response = await getReceipt(stranger.session, id);
      expect(response.status, id).toBe(404);
      bodies.push(await response.text());
    }
    expect(new Set(bodies).size).toBe(1);
  });

  it('refuses an anonymous caller with 401, even with a real invoice id', async () => {
    const judy = await subscriber('judy');
    const invoice = await judy.invoice({ providerInvoiceId: 'ROUTE-ANONYMOUS' });
    const response = await getReceipt(null, invoice.id);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  });
});
