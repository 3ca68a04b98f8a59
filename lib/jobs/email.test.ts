import { and, eq, sql } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { emails, orderItems, orders, prices } from '@/db/schema';
import { seedCatalog } from '@/db/seed';
import { applyPayment } from '@/lib/billing/payment-events';
import { parseEnv } from '@/lib/env';
import { log } from '@/lib/log';
import { mailDelivery, messageIdFor, type MailDelivery } from '@/lib/mail/mailer';
import { queueEmail } from '@/lib/mail/outbox';
import { createSmtpMailer } from '@/lib/mail/smtp';
import { money } from '@/lib/money';
import type { ProviderPayment } from '@/lib/payments/types';
import { isolatedDatabase } from '@/test/database';
import { registryThrough } from '@/test/payments';
import { SMTP_PASSWORD, smtpServer, type TestSmtpServer } from '@/test/smtp';
import { createBoss, sendInTransaction, startBoss } from './boss';
import { deliverEmail, sweepOutbox } from './email-worker';
import { EMAIL_MAX_ATTEMPTS, EMAIL_QUEUE } from './queues';
import { startWorker } from './worker';

const t = isolatedDatabase();
const FROM = 'Shop <receipts@shop.example>';
const STRIPE_TEST_KEYS = { STRIPE_SECRET_KEY: 'sk_test_abc', NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' };
// The worker also serves the webhook queue, which stays empty here: this client is never called.
const UNUSED_PAYMENTS = registryThrough(new Stripe('sk_test_unused_by_email_tests'));

let smtp: TestSmtpServer;
let boss: PgBoss;

beforeAll(async () => {
  boss = await startBoss(createBoss(t.url, 'producer'));
  // Retries a second apart instead of minutes apart, so a test sees several attempts.
  await boss.updateQueue(EMAIL_QUEUE, { name: EMAIL_QUEUE, retryLimit: EMAIL_MAX_ATTEMPTS - 1, retryDelay: 1, retryBackoff: false, expireInSeconds: 120 });
  smtp = await smtpServer();
  await seedCatalog(t.db);
});

afterAll(async () => {
  await boss?.stop({ graceful: false, close: true });
  await smtp?.close();
});

function smtpDelivery(url = smtp.url): Extract<MailDelivery, { mode: 'smtp' }> {
  return { mode: 'smtp', mailer: createSmtpMailer(url), from: FROM };
}

/** Runs `body` while `count` workers (as separate processes would start them) serve the queues. */
async function withWorkers(mail: MailDelivery, body: () => Promise<void>, count = 1): Promise<void> {
  const workers: PgBoss[] = [];
  try {
    for (let i = 0; i < count; i++) {
      workers.push(await startWorker(t.url, { db: t.db, payments: UNUSED_PAYMENTS, abandonCheckoutsAfterHours: 24, mail }, { pollingIntervalSeconds: 0.5, sweepIntervalSeconds: 1 }));
    }
    await body();
  } finally {
    await Promise.all(workers.map((worker) => worker.stop({ graceful: true, timeout: 10_000, close: true })));
  }
}

async function emailRow(id: string) {
  const [row] = await t.db.select().from(emails).where(eq(emails.id, id));
  if (!row) throw new Error(`email ${id} is gone`);
  return row;
}

const statusOf = (id: string) => async () => (await emailRow(id)).status;

/** Delivery jobs for one email that are waiting, waiting to retry or running. */
async function liveJobs(emailId: string): Promise<number> {
  const [row] = await t.db.execute<{ n: number }>(
    sql`select count(*)::int as n from pgboss.job where name = ${EMAIL_QUEUE} and state in ('created', 'retry', 'active') and data->>'emailId' = ${emailId}`,
  );
  return row?.n ?? 0;
}

async function allJobs(): Promise<number> {
  const [row] = await t.db.execute<{ n: number }>(sql`select count(*)::int as n from pgboss.job where name = ${EMAIL_QUEUE}`);
  return row?.n ?? 0;
}

/** The messages the SMTP server accepted for one email. */
function copiesOf(emailId: string) {
  return smtp.received.filter((message) => message.messageId === messageIdFor(emailId, FROM));
}

/** An email queued as every kind is queued: row and job in one committed transaction. */
async function queued(to: string, text = 'A message for the tests.') {
  const ref = crypto.randomUUID();
  await t.db.transaction((tx) => queueEmail(tx, { kind: 'receipt', ref, to, subject: `A message for ${to}`, text }));
  const [email] = await t.db.select().from(emails).where(and(eq(emails.kind, 'receipt'), eq(emails.ref, ref)));
  return email!;
}

function succeededPayment(orderId: string, id: string): ProviderPayment {
  return {
    provider: 'stripe',
    id,
    orderId,
    status: 'succeeded',
    amount: money(3600, 'USD'),
    amountCaptured: money(3600, 'USD'),
    amountRefunded: money(0, 'USD'),
    customerId: null,
    receiptEmail: null,
    failureCode: null,
    failureMessage: null,
    chargeId: null,
    card: null,
    handoff: null,
  };
}

/** An order for two notebooks, paid as a verified provider event would record it. */
async function paidOrder(email: string) {
  const [order] = await t.db.insert(orders).values({ email, currency: 'USD', amountSubtotal: 3600, amountTotal: 3600 }).returning();
  const [price] = await t.db.select().from(prices).limit(1);
  await t.db.insert(orderItems).values({ orderId: order!.id, priceId: price!.id, description: 'Field Notebook', unitAmount: 1800, quantity: 2, amountTotal: 3600, currency: 'USD' });
  const payment = succeededPayment(order!.id, `pi_${crypto.randomUUID().replaceAll('-', '')}`);
  await t.db.transaction((tx) => applyPayment(tx, payment));
  const [receipt] = await t.db.select().from(emails).where(and(eq(emails.kind, 'receipt'), eq(emails.ref, order!.id)));
  return { order: order!, receipt: receipt!, payment };
}

describe('queueing email', () => {
  it('enqueues the delivery job in the transaction that writes the email, so a rollback leaves neither', async () => {
    const jobsBefore = await allJobs();
    const ref = crypto.randomUUID();
    const email = { kind: 'receipt' as const, ref, to: 'rollback@example.com', subject: 'Never sent', text: 'This transaction rolls back.' };
    await expect(
      t.db.transaction(async (tx) => {
        await queueEmail(tx, email);
        throw new Error('the change this email reports failed');
      }),
    ).rejects.toThrow('the change this email reports failed');
    expect(await t.db.select().from(emails).where(eq(emails.ref, ref))).toHaveLength(0);
    expect(await allJobs()).toBe(jobsBefore);

    expect(await t.db.transaction((tx) => queueEmail(tx, email))).toBe('queued');
    expect(await t.db.transaction((tx) => queueEmail(tx, email))).toBe('duplicate');
    const [row] = await t.db.select().from(emails).where(eq(emails.ref, ref));
    expect(await liveJobs(row!.id)).toBe(1);
    expect(await allJobs()).toBe(jobsBefore + 1);
  });
});

describe('delivering the outbox over SMTP', () => {
  it("delivers a paid order's receipt once, to the buyer, with its subject, text and a Message-ID derived from the email's id", async () => {
    const { order, receipt, payment } = await paidOrder('buyer@example.com');
    // The job committed with the order becoming paid, before any worker ran.
    expect(receipt).toMatchObject({ status: 'pending', to: 'buyer@example.com' });
    expect(await liveJobs(receipt.id)).toBe(1);

    await withWorkers(smtpDelivery(), async () => {
      await expect.poll(statusOf(receipt.id), { timeout: 15_000 }).toBe('sent');
    });

    const copies = copiesOf(receipt.id);
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatchObject({
      messageId: `<${receipt.id}@shop.example>`,
      envelopeFrom: 'receipts@shop.example',
      envelopeTo: ['buyer@example.com'],
      subject: `Your receipt for order #${order.number} ($36.00)`,
      text: receipt.text,
    });
    expect(copies[0]?.headers.get('from')).toBe(FROM);
    expect(copies[0]?.headers.get('to')).toBe('buyer@example.com');
    expect(copies[0]?.text).toContain('2 × Field Notebook  $36.00');
    const sent = await emailRow(receipt.id);
    expect(sent).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
    expect(sent.sentAt).not.toBeNull();

    // The same payment applied again (a redelivered or replayed event) queues nothing more.
    await t.db.transaction((tx) => applyPayment(tx, payment));
    expect(await t.db.select().from(emails).where(eq(emails.ref, order.id))).toHaveLength(1);
    expect(await liveJobs(receipt.id)).toBe(0);
  });

  it('delivers an email once when its job is redelivered and two workers race for it', async () => {
    const email = await queued('race@example.com');
    // Two more jobs for the same email, as a redelivery or a sweep beside a live job makes.
    await t.db.transaction(async (tx) => {
      await sendInTransaction(tx, EMAIL_QUEUE, { emailId: email.id });
      await sendInTransaction(tx, EMAIL_QUEUE, { emailId: email.id });
    });
    expect(await liveJobs(email.id)).toBe(3);
    // A slow server keeps the first sender inside its attempt while the other jobs run.
    smtp.delayAcceptance(500);
    try {
      await withWorkers(
        smtpDelivery(),
        async () => {
          await expect.poll(statusOf(email.id), { timeout: 15_000 }).toBe('sent');
          await expect.poll(() => liveJobs(email.id), { timeout: 15_000 }).toBe(0);
        },
        2,
      );

      // Five deliveries of one email at once, in one process, send it once too.
      const other = await queued('race-2@example.com');
      await Promise.all(Array.from({ length: 5 }, () => deliverEmail({ db: t.db, delivery: smtpDelivery() }, other.id)));
      expect(copiesOf(other.id)).toHaveLength(1);
      expect(await emailRow(other.id)).toMatchObject({ status: 'sent', attempts: 1 });
    } finally {
      smtp.delayAcceptance(0);
    }
    expect(copiesOf(email.id)).toHaveLength(1);
    expect(await emailRow(email.id)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it("records an SMTP server's refusal on the email, retries it, and delivers it once the server recovers", async () => {
    smtp.rejectWith('451 4.3.0 Mailbox temporarily unavailable');
    const email = await queued('retry@example.com');
    try {
      await withWorkers(smtpDelivery(), async () => {
        await expect.poll(async () => (await emailRow(email.id)).attempts, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
        const failing = await emailRow(email.id);
        expect(failing).toMatchObject({ status: 'pending', sentAt: null });
        expect(failing.lastError).toMatch(/451 4\.3\.0 Mailbox temporarily unavailable/);
        expect(copiesOf(email.id)).toHaveLength(0);

        smtp.rejectWith(null);
        await expect.poll(statusOf(email.id), { timeout: 20_000 }).toBe('sent');
      });
    } finally {
      smtp.rejectWith(null);
    }
    const sent = await emailRow(email.id);
    expect(sent.attempts).toBeGreaterThanOrEqual(3);
    expect(sent.lastError).toBeNull();
    expect(copiesOf(email.id)).toHaveLength(1);
  }, 60_000);

  it('marks an email failed with its error after the last attempt, for an admin to see, and sends it no more', async () => {
    const email = await queued('nobody@example.com');
    await t.db.update(emails).set({ attempts: EMAIL_MAX_ATTEMPTS - 1 }).where(eq(emails.id, email.id));
    smtp.rejectWith('550 5.1.1 No such user here');
    try {
      // The last attempt settles the job instead of asking pg-boss for another.
      await expect(deliverEmail({ db: t.db, delivery: smtpDelivery() }, email.id)).resolves.toBeUndefined();
    } finally {
      smtp.rejectWith(null);
    }
    const failed = await emailRow(email.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: EMAIL_MAX_ATTEMPTS, sentAt: null });
    expect(failed.lastError).toMatch(/550 5\.1\.1 No such user here/);

    await deliverEmail({ db: t.db, delivery: smtpDelivery() }, email.id);
    await sweepOutbox(t.db);
    expect(copiesOf(email.id)).toHaveLength(0);
    expect(await emailRow(email.id)).toMatchObject({ status: 'failed', attempts: EMAIL_MAX_ATTEMPTS });
  });

  it('gives a delivery job to unsent email that has none: rows from before delivery existed, rows whose queue was cleared', async () => {
    const [old] = await t.db.insert(emails).values({ kind: 'receipt', ref: crypto.randomUUID(), to: 'old@example.com', subject: 'An older receipt', text: 'Written before delivery existed.' }).returning();
    const cleared = await queued('cleared@example.com');
    await t.db.execute(sql`delete from pgboss.job where name = ${EMAIL_QUEUE} and data->>'emailId' = ${cleared.id}`);
    const live = await queued('live@example.com');
    expect([await liveJobs(old!.id), await liveJobs(cleared.id), await liveJobs(live.id)]).toEqual([0, 0, 1]);

    await sweepOutbox(t.db);
    expect([await liveJobs(old!.id), await liveJobs(cleared.id), await liveJobs(live.id)]).toEqual([1, 1, 1]);
    await sweepOutbox(t.db);
    expect([await liveJobs(old!.id), await liveJobs(cleared.id), await liveJobs(live.id)]).toEqual([1, 1, 1]);

    await withWorkers(smtpDelivery(), async () => {
      for (const id of [old!.id, cleared.id, live.id]) await expect.poll(statusOf(id), { timeout: 15_000 }).toBe('sent');
      // A row that loses its job while the worker runs is found by the periodic sweep.
      const [orphan] = await t.db.insert(emails).values({ kind: 'receipt', ref: crypto.randomUUID(), to: 'orphan@example.com', subject: 'An orphan', text: 'No job.' }).returning();
      await expect.poll(statusOf(orphan!.id), { timeout: 15_000 }).toBe('sent');
      expect(copiesOf(orphan!.id)).toHaveLength(1);
    });
    for (const id of [old!.id, cleared.id, live.id]) expect(copiesOf(id)).toHaveLength(1);
  });

  it('never logs the body, the recipient or the SMTP password, even when the login fails', async () => {
    const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
    const spies = levels.map((level) => vi.spyOn(log, level));
    const wrongPassword = 'wrong-Pa55word-also-secret';
    try {
      const delivered = await queued('private@example.com', 'Private body text 7421');
      await deliverEmail({ db: t.db, delivery: smtpDelivery() }, delivered.id);
      const refused = await queued('refused@example.com', 'Private body text 7421');
      await expect(deliverEmail({ db: t.db, delivery: smtpDelivery(smtp.url.replace(SMTP_PASSWORD, wrongPassword)) }, refused.id)).rejects.toThrow(/535/);

      const logged = JSON.stringify(spies.flatMap((spy) => spy.mock.calls));
      expect(logged).toContain(delivered.id);
      expect(logged).toContain(refused.id);
      for (const secret of [SMTP_PASSWORD, wrongPassword, 'Private body text 7421', 'private@example.com', 'refused@example.com']) {
        expect(logged).not.toContain(secret);
      }
      const { lastError } = await emailRow(refused.id);
      expect(lastError).toMatch(/EAUTH.*535/);
      expect(lastError).not.toContain(wrongPassword);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('email outside live mode', () => {
  it('never delivers in sandbox mode, even with SMTP_URL set: email is held in the outbox for good', async () => {
    const mail = mailDelivery(parseEnv({ SMTP_URL: smtp.url }).mail);
    expect(mail.mode).toBe('outbox');
    const connectionsBefore = smtp.connections();
    const { receipt } = await paidOrder('sandbox@example.com');

    await withWorkers(mail, async () => {
      await expect.poll(statusOf(receipt.id), { timeout: 15_000 }).toBe('held');
    });
    expect(smtp.connections()).toBe(connectionsBefore);

    // Held email stays held when the same database later runs with SMTP.
    await sweepOutbox(t.db);
    expect(await liveJobs(receipt.id)).toBe(0);
    await deliverEmail({ db: t.db, delivery: smtpDelivery() }, receipt.id);
    expect(copiesOf(receipt.id)).toHaveLength(0);
    expect(await emailRow(receipt.id)).toMatchObject({ status: 'held', sentAt: null, attempts: 0 });
  });

  it('leaves email unsent in test mode without SMTP_URL, warning once at start, and delivers it after a restart with SMTP_URL', async () => {
    const mail = mailDelivery(parseEnv(STRIPE_TEST_KEYS).mail);
    expect(mail.mode).toBe('off');
    const warn = vi.spyOn(log, 'warn');
    const info = vi.spyOn(log, 'info');
    const email = await queued('later@example.com');
    try {
      await withWorkers(mail, async () => {
        // The log line above proves the worker took no email jobs; two polling intervals show nothing moved.
        await new Promise((resolve) => setTimeout(resolve, 1000));
      });
      const warnings = warn.mock.calls.map((call) => JSON.stringify(call)).filter((text) => text.includes('SMTP_URL'));
      expect(warnings).toHaveLength(1);
      expect(info.mock.calls).toContainEqual([expect.objectContaining({ queues: expect.not.arrayContaining(['email-delivery']), mail: 'off' }), 'worker started']);
    } finally {
      warn.mockRestore();
      info.mockRestore();
    }
    expect(await emailRow(email.id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await liveJobs(email.id)).toBe(1);
    expect(copiesOf(email.id)).toHaveLength(0);

    await withWorkers(mailDelivery(parseEnv({ ...STRIPE_TEST_KEYS, SMTP_URL: smtp.url, MAIL_FROM: FROM }).mail), async () => {
      await expect.poll(statusOf(email.id), { timeout: 15_000 }).toBe('sent');
    });
    expect(copiesOf(email.id)).toHaveLength(1);
  });
});
