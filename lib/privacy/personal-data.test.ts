import { and, eq, inArray, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { accounts, auditLog, emails, orders, payments, rateLimits, refunds, sessions, users, verificationTokens, webhookEvents } from '@/db/schema';
import { findUserById } from '@/lib/auth/users';
import { resendEmail } from '@/lib/billing/admin/emails';
import { volumeByCurrency } from '@/lib/billing/admin/revenue';
import { isolatedDatabase } from '@/test/database';
import { userFacingError } from '@/test/errors';
import { columnsHolding, seedPerson } from '@/test/personal-data';
import { erasePersonalData, redactPayload } from './erase';
import { exportPersonalData, PersonalDataExport } from './export';
import { PERSONAL_COLUMNS } from './inventory';

const CLI = { kind: 'cli' } as const;
const KEPT_COLUMNS = Object.entries(PERSONAL_COLUMNS)
  .filter(([, handling]) => 'kept' in handling)
  .map(([column]) => column);

describe('exporting a person’s data', () => {
  const t = isolatedDatabase();

  it('holds their account, provider customers, orders with items, payments, refunds, disputes, subscriptions, invoices, emails, audit entries and provider events, with money in minor units and currency', async () => {
    const ada = await seedPerson(t.db);
    const document = await exportPersonalData(t.db, ada.email.toUpperCase());

    expect(PersonalDataExport.parse(document)).toEqual(document);
    expect(document.account).toMatchObject({ id: ada.userId, email: ada.email, name: ada.name, hasPassword: true, erasedAt: null });
    expect(document.account?.signInProviders).toEqual([{ provider: 'github', providerAccountId: `gh-${ada.tag}`, type: 'oauth', scope: 'read:user' }]);
    expect(document.account?.sessions).toHaveLength(1);
    expect(document.providerCustomers.map((customer) => customer.providerCustomerId).sort()).toEqual([...ada.providerCustomerIds].sort());
    expect(document.orders.map((order) => order.id).sort()).toEqual([...ada.orderIds].sort());
    expect(document.orders.find((order) => order.id === ada.orderIds[0])).toMatchObject({
      total: { minor: 5_000, currency: 'EUR' },
      items: [{ description: `Pro ${ada.tag}`, quantity: 2, unitAmount: { minor: 2_500, currency: 'EUR' }, total: { minor: 5_000, currency: 'EUR' } }],
    });
    expect(document.payments.map((payment) => payment.id).sort()).toEqual([...ada.paymentIds].sort());
    expect(document.payments.find((payment) => payment.provider === 'stripe')).toMatchObject({ captured: { minor: 5_000, currency: 'EUR' }, refunded: { minor: 1_000, currency: 'EUR' }, card: { brand: 'visa', last4: '4242' } });
    expect(document.refunds).toMatchObject([{ providerRefundId: `re_${ada.tag}`, amount: { minor: 1_000, currency: 'EUR' } }]);
    expect(document.disputes).toMatchObject([{ providerDisputeId: `dp_${ada.tag}`, status: 'won' }]);
    expect(document.subscriptions).toMatchObject([{ providerSubscriptionId: `sub_${ada.tag}`, paymentMethod: { email: ada.email } }]);
    expect(document.invoices).toMatchObject([{ providerInvoiceId: `in_${ada.tag}`, paid: { minor: 1_500, currency: 'EUR' } }]);
    expect(document.emails.map((email) => email.kind).sort()).toEqual(['receipt', 'refund']);
    expect(document.auditLog.map((entry) => entry.action).sort()).toEqual(['email.resent', 'user.role_changed']);
    expect(document.providerEvents.map((event) => event.eventId).sort()).toEqual([`WH-${ada.tag}`, `evt_${ada.tag}`]);
  });

  it('holds nothing of another person, and none of the account’s secrets (password hash, session and OAuth tokens)', async () => {
    const ada = await seedPerson(t.db);
    const bob = await seedPerson(t.db);
    const text = JSON.stringify(await exportPersonalData(t.db, ada.email));

    expect(text).not.toContain(bob.tag);
    expect(text).not.toContain(ada.sessionToken);
    expect(text).not.toContain(ada.accessToken);
    expect(text).not.toContain('$argon2id$');
    expect(text).not.toContain(`verify-${ada.tag}`);
  });

  it('refuses an address Billfold has never seen, saying so', async () => {
    const refusal = await userFacingError(exportPersonalData(t.db, 'nobody-here@example.com'));
    expect(refusal.code).toBe('not_found');
    expect(refusal.message).toContain('nobody-here@example.com');
  });
});

describe('erasing a person', () => {
  const t = isolatedDatabase();

  async function ledger(paymentIds: string[]) {
    const rows = await t.db.select().from(payments).where(inArray(payments.id, paymentIds)).orderBy(payments.id);
    const refundRows = await t.db.select().from(refunds).where(inArray(refunds.paymentId, paymentIds));
    return { payments: rows.map(({ updatedAt: _updatedAt, ...row }) => row), refunds: refundRows };
  }

  it('leaves their email, name and address in no column but those kept by law, and keeps every payment record and the revenue figures as they were', async () => {
    const ada = await seedPerson(t.db);
    const bob = await seedPerson(t.db);
    const now = new Date();
    const revenueBefore = await volumeByCurrency(t.db, now);
    const paymentsBefore = await ledger(ada.paymentIds);
    const bobBefore = await exportPersonalData(t.db, bob.email, now);

    const result = await erasePersonalData(t.db, ada.email, CLI);

    expect(result).toMatchObject({ outcome: 'erased', userId: ada.userId, placeholder: expect.stringMatching(/^erased-[0-9a-f-]{36}@invalid$/) });
    for (const needle of [ada.email, ada.name, ada.street, `Lovelace-${ada.tag}`]) {
      const left = await columnsHolding(t.db, needle);
      expect(left.filter((column) => !KEPT_COLUMNS.includes(column)), `where "${needle}" is still held`).toEqual([]);
    }
    expect(await ledger(ada.paymentIds)).toEqual(paymentsBefore);
    expect(await volumeByCurrency(t.db, now)).toEqual(revenueBefore);
    const keptOrders = await t.db.select().from(orders).where(inArray(orders.id, ada.orderIds));
    expect(keptOrders.map((order) => [order.email, order.amountTotal, order.currency, order.status]).sort()).toEqual(
      [
        [result.outcome === 'erased' && result.placeholder, 1_999, 'USD', 'paid'],
        [result.outcome === 'erased' && result.placeholder, 5_000, 'EUR', 'partially_refunded'],
      ].sort(),
    );
    // Someone else's data is untouched.
    expect(await exportPersonalData(t.db, bob.email, now)).toEqual(bobBefore);
  });

  it('deletes sessions, OAuth links, sign-in tokens and counters, and the account can no longer sign in', async () => {
    const ada = await seedPerson(t.db);
    await erasePersonalData(t.db, ada.email, CLI);

    expect(await t.db.select().from(sessions).where(eq(sessions.userId, ada.userId))).toEqual([]);
    expect(await t.db.select().from(accounts).where(eq(accounts.userId, ada.userId))).toEqual([]);
    expect(await t.db.select().from(verificationTokens).where(eq(verificationTokens.identifier, ada.email))).toEqual([]);
    expect(await t.db.select().from(rateLimits).where(eq(rateLimits.key, `sign-in:account:${ada.email}`))).toEqual([]);
    const [user] = await t.db.select().from(users).where(eq(users.id, ada.userId));
    expect(user).toMatchObject({ name: null, image: null, passwordHash: null, erasedAt: expect.any(Date) });
    // A session cookie still naming the account finds no one (lib/auth/guards.ts reads it through this).
    expect(await findUserById(t.db, ada.userId)).toBeUndefined();
  });

  it('settles a still-pending email to them as not sent, and the console will not resend it, so nothing is mailed to the placeholder', async () => {
    const ada = await seedPerson(t.db);
    const result = await erasePersonalData(t.db, ada.email, CLI);
    const rows = await t.db
      .select()
      .from(emails)
      .where(eq(emails.to, result.outcome === 'erased' ? result.placeholder : ''));
    expect(rows.map((row) => [row.kind, row.status, row.text, row.html]).sort()).toEqual([
      ['receipt', 'sent', '[erased]', null],
      ['refund', 'failed', '[erased]', null],
    ]);
    expect(rows.find((row) => row.kind === 'refund')?.lastError).toContain('erased');
    const staff = { id: crypto.randomUUID(), email: 'ops@example.com', name: null, role: 'admin' } as const;
    const refusal = await userFacingError(resendEmail(t.db, staff, rows.find((row) => row.kind === 'refund')!.id));
    expect(refusal.code).toBe('recipient_erased');
  });

  it('is audited as the command line’s doing, with the provider customers to redact and without the address it erased', async () => {
    const ada = await seedPerson(t.db);
    await erasePersonalData(t.db, ada.email, CLI);
    const [entry] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'person.erased'), eq(auditLog.subjectId, ada.userId)));
    expect(entry).toMatchObject({ actorKind: 'cli', subjectType: 'user' });
    expect(JSON.stringify(entry!.data)).not.toContain(ada.email);
    expect((entry!.data as { providerCustomers: { providerCustomerId: string }[] }).providerCustomers.map((row) => row.providerCustomerId).sort()).toEqual([...ada.providerCustomerIds].sort());
  });

  it('refuses, changing nothing, while they have a live subscription, and says to cancel it first', async () => {
    const ada = await seedPerson(t.db, { subscriptionStatus: 'active' });
    const before = await exportPersonalData(t.db, ada.email, new Date(0));

    const refusal = await userFacingError(erasePersonalData(t.db, ada.email, CLI));

    expect(refusal.code).toBe('erase_blocked');
    expect(refusal.message).toContain(`sub_${ada.tag}`);
    expect(refusal.message).toMatch(/cancel it/);
    expect(await exportPersonalData(t.db, ada.email, new Date(0))).toEqual(before);
    expect(await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'person.erased'), eq(auditLog.subjectId, ada.userId)))).toEqual([]);
  });

  it('refuses while a dispute is open or a payment is unsettled, naming each', async () => {
    const ada = await seedPerson(t.db);
    await t.db.execute(sql`update disputes set status = 'needs_response' where provider_dispute_id = ${`dp_${ada.tag}`}`);
    await t.db.update(payments).set({ status: 'processing' }).where(eq(payments.id, ada.paymentIds[1]!));

    const refusal = await userFacingError(erasePersonalData(t.db, ada.email, CLI));

    expect(refusal.message).toContain(`dispute dp_${ada.tag}`);
    expect(refusal.message).toContain(`payment PPORDER${ada.tag}`);
    expect(await findUserById(t.db, ada.userId)).toMatchObject({ email: ada.email });
  });

  it('refuses a staff account until it is demoted', async () => {
    const ada = await seedPerson(t.db, { role: 'admin' });
    const refusal = await userFacingError(erasePersonalData(t.db, ada.email, CLI));
    expect(refusal.message).toContain('npm run admin -- demote');
  });

  it('is harmless twice: the address is then unknown, and the placeholder finds an account already erased', async () => {
    const ada = await seedPerson(t.db);
    const first = await erasePersonalData(t.db, ada.email, CLI);
    if (first.outcome !== 'erased') throw new Error('expected an erasure');
    const [userAfterFirst] = await t.db.select().from(users).where(eq(users.id, ada.userId));

    expect((await userFacingError(erasePersonalData(t.db, ada.email, CLI))).code).toBe('not_found');
    expect(await erasePersonalData(t.db, first.placeholder, CLI)).toEqual({ outcome: 'already_erased', userId: ada.userId });

    const [userAfterSecond] = await t.db.select().from(users).where(eq(users.id, ada.userId));
    expect(userAfterSecond).toEqual(userAfterFirst);
    expect(await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'person.erased'), eq(auditLog.subjectId, ada.userId)))).toHaveLength(1);
  });

  it('leaves alone another person whose address contains theirs (ann@ inside joann@), in rows and in provider events', async () => {
    const ada = await seedPerson(t.db);
    const longer = `jo${ada.email}`;
    const [order] = await t.db.insert(orders).values({ email: longer, status: 'paid', currency: 'USD', amountSubtotal: 100, amountTotal: 100 }).returning();
    const payload = { id: `evt_jo${ada.tag}`, data: { object: { receipt_email: longer, billing_details: { name: 'Jo' } } } };
    await t.db.insert(webhookEvents).values({ provider: 'stripe', eventId: `evt_jo${ada.tag}`, type: 'charge.succeeded', payload });

    await erasePersonalData(t.db, ada.email, CLI);

    expect((await t.db.select().from(orders).where(eq(orders.id, order!.id)))[0]?.email).toBe(longer);
    expect((await t.db.select().from(webhookEvents).where(eq(webhookEvents.eventId, `evt_jo${ada.tag}`)))[0]?.payload).toEqual(payload);
  });

  it('erases a guest who never had an account: their orders and emails carry the placeholder, audited under it', async () => {
    const email = `guest.${crypto.randomUUID().slice(0, 8)}@example.com`;
    const [order] = await t.db.insert(orders).values({ email, status: 'canceled', currency: 'USD', amountSubtotal: 100, amountTotal: 100 }).returning();

    const result = await erasePersonalData(t.db, email, CLI);

    if (result.outcome !== 'erased') throw new Error('expected an erasure');
    expect(result.userId).toBeNull();
    const [kept] = await t.db.select().from(orders).where(eq(orders.id, order!.id));
    expect(kept).toMatchObject({ email: result.placeholder, amountTotal: 100 });
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.subjectId, result.placeholder));
    expect(entry).toMatchObject({ action: 'person.erased', subjectType: 'erased_guest', actorKind: 'cli' });
  });
});

describe('redacting a provider payload', () => {
  it('erases every value under a personal key and the address anywhere else, keeping ids, amounts and statuses', () => {
    const payload = {
      id: 'pi_1',
      amount: 500,
      status: 'succeeded',
      description: 'Order for ADA@example.com',
      billing_details: { name: 'Ada', email: 'ada@example.com', address: { line1: '1 Street', country: 'GB' } },
      payer: { payer_id: 'P1', name: { given_name: 'Ada' } },
      lines: [{ amount: 500, metadata: { buyer: 'ada@example.com' } }],
    };
    expect(redactPayload(payload, 'ada@example.com', 'erased-x@invalid')).toEqual({
      id: 'pi_1',
      amount: 500,
      status: 'succeeded',
      description: 'Order for erased-x@invalid',
      billing_details: { name: '[erased]', email: '[erased]', address: { line1: '[erased]', country: '[erased]' } },
      payer: { payer_id: '[erased]', name: { given_name: '[erased]' } },
      lines: [{ amount: 500, metadata: { buyer: 'erased-x@invalid' } }],
    });
  });

  it('replaces the address only as a whole address, at the end of a sentence too, never inside a longer one', () => {
    expect(redactPayload({ a: 'to ada@example.com.', b: 'joada@example.com', c: 'ada@example.com.au', d: 'ada@example.community' }, 'ada@example.com', 'erased-x@invalid')).toEqual({
      a: 'to erased-x@invalid.',
      b: 'joada@example.com',
      c: 'ada@example.com.au',
      d: 'ada@example.community',
    });
  });
});
