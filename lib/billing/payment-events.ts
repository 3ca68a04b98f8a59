import { and, eq, sql } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import { auditLog, disputes, orders, payments, refunds } from '@/db/schema';
import { sendOnceInTransaction } from '@/lib/jobs/boss';
import { DUPLICATE_PAYMENT_QUEUE, type DuplicatePaymentJob } from '@/lib/jobs/queues';
import { log } from '@/lib/log';
import { queueReceipt } from '@/lib/mail/receipts';
import { MoneyError, type Money } from '@/lib/money';
import type { PaymentProviderName, ProviderDispute, ProviderPayment, ProviderRefund } from '@/lib/payments/types';
import { CHANGEABLE } from './checkout';
import { NotYetKnownError } from './not-yet-known';
import { notifyOrderChanged } from './order-changes';
import { lockFreeProviderPayments, lockProviderPayments, paymentName, type PaymentKey } from './payment-locks';
import { applySubscriptionChange, lockBillingCustomer, recordInvoicePaymentRefunds, type SubscriptionChange } from './subscription-events';

export type OrderStatus = (typeof orders.$inferSelect)['status'];

/**
 * Payments, refunds, disputes and subscriptions as a provider reports them *now* (the neutral
 * types of lib/payments/types.ts): the worker re-fetches the provider objects under the key's
 * lock before building a change (./webhook-actions.ts), so applying one is idempotent and safe
 * in any order. This file decides what they mean for orders.
 */
export type BillingChange = { kind: 'payment'; payment: ProviderPayment; refunds?: ProviderRefund[] } | { kind: 'dispute'; dispute: ProviderDispute } | SubscriptionChange;

/**
 * What a change is serialised on: a payment (its refunds and disputes with it), or a customer
 * (their subscriptions and invoices: see lockBillingCustomer).
 */
export type { PaymentKey };
export type BillingKey = PaymentKey | { provider: PaymentProviderName; providerCustomerId: string };

export { NotYetKnownError };

export function isPaymentKey(key: BillingKey): key is PaymentKey {
  return 'providerPaymentId' in key;
}

/** The minor units of an amount a provider reported beside others in `currency`: one payment never mixes currencies. */
function minorUnits(value: Money, currency: string, what: string): number {
  if (value.currency !== currency) throw new MoneyError(`${what} is in ${value.currency}, not ${currency}`);
  return value.amount;
}

type OrderPayment = Pick<typeof payments.$inferSelect, 'id' | 'status' | 'amountCaptured' | 'amountRefunded' | 'failureCode' | 'createdAt'>;

/**
 * The payment that paid the order: the one recorded as its winner (orders.paid_by_payment_id),
 * else the earliest of those that succeeded. The earliest by our own row (created_at, then id)
 * rather than by the providers' clocks: when two succeed before either is settled, which came
 * first at the providers cannot be known, and any fixed choice keeps one and refunds the other.
 */
export function winningPayment<P extends Pick<OrderPayment, 'id' | 'status' | 'createdAt'>>(paidBy: string | null, orderPayments: P[]): P | undefined {
  const recorded = paidBy === null ? undefined : orderPayments.find((payment) => payment.id === paidBy);
  if (recorded) return recorded;
  return orderPayments
    .filter((payment) => payment.status === 'succeeded')
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0];
}

/**
 * The payments of an order that hold money they should not: every one but the winner with more
 * captured than refunded. Judged by the money, not the status, so whatever a provider calls a
 * payment that took money, it is returned.
 */
export function duplicatePayments<P extends Pick<OrderPayment, 'id' | 'amountCaptured' | 'amountRefunded'>>(winner: P | undefined, orderPayments: P[]): P[] {
  if (!winner) return [];
  return orderPayments.filter((payment) => payment.id !== winner.id && payment.amountCaptured > payment.amountRefunded);
}

/**
 * The order's state follows from its payments. Once one has paid it, that one alone decides
 * (paid, partially or wholly refunded): a duplicate payment refunded in full does not make the
 * order refunded. Before that, the latest attempt decides.
 */
export function orderStatusFrom(current: OrderStatus, orderPayments: OrderPayment[], paidBy: string | null = null): OrderStatus {
  const winner = winningPayment(paidBy, orderPayments);
  if (winner) {
    if (winner.amountCaptured > 0 && winner.amountRefunded >= winner.amountCaptured) return 'refunded';
    if (winner.amountRefunded > 0) return 'partially_refunded';
    return 'paid';
  }
  const latest = [...orderPayments].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
  if (!latest) return current;
  switch (latest.status) {
    case 'processing':
    case 'requires_capture':
      return 'processing';
    case 'canceled':
      return 'canceled';
    case 'requires_payment_method':
      return latest.failureCode ? 'payment_failed' : 'open';
    default:
      return current === 'payment_failed' || current === 'canceled' ? 'open' : current;
  }
}

interface RecordedPayment {
  id: string;
  orderId: string | null;
  /** Whether this statement wrote the row (false: the payment was already as the provider says). */
  changed: boolean;
}

/**
 * Records the provider's payments, in one statement however many: the upsert writes a row only
 * when something differs, and every payment is returned as it now stands (`changed` says which
 * were written). Re-fetched and redelivered events mostly find their payment as it was; then
 * nothing is written, which matters to a worker draining a webhook storm. Keyed by provider
 * payment id; each payment appears once.
 *
 * The charge id and the card are kept once known: a provider answer that does not carry them
 * (a Stripe intent read without its charge expanded, as Stripe's list answers it, or a PayPal
 * order read before a retried capture's answer) reports null, which means "not said" here, never "none".
 * A new charge (a retry with another card) replaces them, brand and last 4 always together.
 */
async function upsertPayments(tx: Transaction, list: ProviderPayment[]): Promise<Map<string, RecordedPayment>> {
  const input = list.map((payment) => {
    const { currency } = payment.amount;
    return {
      provider: payment.provider,
      provider_payment_id: payment.id,
      order_id: payment.orderId,
      status: payment.status,
      amount: payment.amount.amount,
      amount_captured: minorUnits(payment.amountCaptured, currency, `payment ${payment.id}'s captured amount`),
      amount_refunded: minorUnits(payment.amountRefunded, currency, `payment ${payment.id}'s refunded amount`),
      currency,
      failure_code: payment.failureCode,
      failure_message: payment.failureMessage,
      provider_charge_id: payment.chargeId,
      card_brand: payment.card?.brand ?? null,
      card_last4: payment.card?.last4 ?? null,
    };
  });
  const rows = await tx.execute<{ provider: PaymentProviderName; provider_payment_id: string; id: string; order_id: string | null; changed: boolean }>(sql`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as input(
        provider payment_provider, provider_payment_id text, order_id uuid, status payment_status, amount bigint,
        amount_captured bigint, amount_refunded bigint, currency text, failure_code text, failure_message text,
        provider_charge_id text, card_brand text, card_last4 text)
    ),
    written as (
      insert into ${payments} (provider, provider_payment_id, order_id, status, amount, amount_captured, amount_refunded, currency, failure_code, failure_message,
        provider_charge_id, card_brand, card_last4)
      select provider, provider_payment_id, order_id, status, amount, amount_captured, amount_refunded, currency, failure_code, failure_message,
        provider_charge_id, card_brand, card_last4 from input
      on conflict (provider, provider_payment_id) do update set
        status = excluded.status,
        amount = excluded.amount,
        amount_captured = excluded.amount_captured,
        amount_refunded = excluded.amount_refunded,
        currency = excluded.currency,
        failure_code = excluded.failure_code,
        failure_message = excluded.failure_message,
        -- The checkout recorded the order first; a provider object never moves a payment to another order.
        order_id = coalesce(payments.order_id, excluded.order_id),
        -- An answer without them says nothing about them (see above): known values stay.
        provider_charge_id = coalesce(excluded.provider_charge_id, payments.provider_charge_id),
        card_brand = case when excluded.card_last4 is null then payments.card_brand else excluded.card_brand end,
        card_last4 = coalesce(excluded.card_last4, payments.card_last4),
        updated_at = now()
      where (payments.status, payments.amount, payments.amount_captured, payments.amount_refunded, payments.currency,
             payments.failure_code, payments.failure_message, payments.order_id,
             payments.provider_charge_id, payments.card_brand, payments.card_last4)
        is distinct from (excluded.status, excluded.amount, excluded.amount_captured, excluded.amount_refunded, excluded.currency,
             excluded.failure_code, excluded.failure_message, coalesce(payments.order_id, excluded.order_id),
             coalesce(excluded.provider_charge_id, payments.provider_charge_id),
             case when excluded.card_last4 is null then payments.card_brand else excluded.card_brand end,
             coalesce(excluded.card_last4, payments.card_last4))
      returning provider, provider_payment_id, id, order_id
    )
    select provider, provider_payment_id, id, order_id, true as changed from written
    union all
    select payments.provider, payments.provider_payment_id, payments.id, payments.order_id, false
    from ${payments} join input using (provider, provider_payment_id)
    where not exists (select from written where written.provider = payments.provider and written.provider_payment_id = payments.provider_payment_id)`);
  const recorded = new Map(rows.map((row) => [paymentName(row.provider, row.provider_payment_id), { id: row.id, orderId: row.order_id, changed: row.changed }]));
  for (const payment of list) {
    if (!recorded.has(paymentName(payment.provider, payment.id))) throw new Error(`payment ${payment.id} was not stored`);
  }
  return recorded;
}

/**
 * A provider that reports no reason for a refund (PayPal) leaves the one Billfold recorded: the
 * duplicate payment job records why it refunded, and the refund's later webhook must not erase it.
 */
async function upsertRefund(tx: Transaction, paymentId: string, refund: ProviderRefund): Promise<void> {
  await tx
    .insert(refunds)
    .values({ paymentId, provider: refund.provider, providerRefundId: refund.id, status: refund.status, amount: refund.amount.amount, currency: refund.amount.currency, reason: refund.reason })
    .onConflictDoUpdate({
      target: [refunds.provider, refunds.providerRefundId],
      set: { status: refund.status, amount: refund.amount.amount, reason: sql`coalesce(excluded.reason, ${refunds.reason})`, updatedAt: sql`now()` },
    });
}

/**
 * Hands a payment of an order another payment paid to the duplicate payment job, unless a job
 * for it is already waiting to run: an order settles again at every change of its payments, and
 * a duplicate keeps its money until a job has refunded it. A job already running does not count,
 * since it may have read the provider before this money arrived. Extra jobs are harmless (the
 * job is idempotent); a missing one would leave the money with us. pg-boss has no lookup by job
 * data, so this reads its job table (as the email sweep does). The first time a payment is
 * found holding money, that is recorded in the audit log.
 */
async function queueDuplicatePayment(tx: Transaction, orderId: string, paidBy: string, duplicate: typeof payments.$inferSelect): Promise<void> {
  if (duplicate.amountCaptured > duplicate.amountRefunded) {
    const [recorded] = await tx
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(and(eq(auditLog.subjectType, 'payment'), eq(auditLog.subjectId, duplicate.id), eq(auditLog.action, 'payment.duplicate_detected')))
      .limit(1);
    if (!recorded) {
      await tx.insert(auditLog).values({
        actorKind: 'system',
        action: 'payment.duplicate_detected',
        subjectType: 'payment',
        subjectId: duplicate.id,
        data: { orderId, paidByPaymentId: paidBy, provider: duplicate.provider, amountCaptured: duplicate.amountCaptured, amountRefunded: duplicate.amountRefunded, currency: duplicate.currency },
      });
      log.warn({ orderId, paymentId: duplicate.id, provider: duplicate.provider, paidByPaymentId: paidBy }, 'order paid twice: refunding the duplicate payment');
    }
  }
  const job: DuplicatePaymentJob = { paymentId: duplicate.id };
  // No queue means the database was not migrated with this release: the next settlement retries.
  if ((await sendOnceInTransaction(tx, DUPLICATE_PAYMENT_QUEUE, job, 'paymentId')) === 'missing_queue') {
    log.error({ orderId, paymentId: duplicate.id }, 'payment of a paid order found, but the duplicate payment queue does not exist');
  }
}

/**
 * Brings the order in line with its payments, under the order's row lock (so two payments of one
 * order settling at once are decided one after the other). The first payment found succeeded is
 * recorded as the one that paid the order, for good; any other that took money is handed to the
 * duplicate payment job, in this transaction, so the refund is queued exactly when the duplicate
 * is recorded (and so are the order's open attempts when it first becomes paid).
 */
async function settleOrder(tx: Transaction, orderId: string): Promise<void> {
  const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
  if (!order) throw new NotYetKnownError(`order ${orderId} does not exist`);
  const orderPayments = await tx.select().from(payments).where(eq(payments.orderId, orderId));
  const winner = winningPayment(order.paidByPaymentId, orderPayments);
  const paidBy = winner?.id ?? null;
  const status = orderStatusFrom(order.status, orderPayments, paidBy);
  if (status !== order.status || paidBy !== order.paidByPaymentId) {
    const becomesPaid = order.paidAt === null && paidBy !== null;
    const [updated] = await tx
      .update(orders)
      .set({ status, paidByPaymentId: paidBy, updatedAt: sql`now()`, ...(becomesPaid ? { paidAt: sql`now()` } : {}) })
      .where(eq(orders.id, orderId))
      .returning();
    if (becomesPaid && updated) await queueReceipt(tx, updated);
    // The order's page, open in the buyer's browser, is told when this commits (order-changes.ts).
    await notifyOrderChanged(tx, orderId);
  }
  if (!winner) return;
  // When the order first becomes paid, its other attempts still open (a card form left in
  // another tab) are closed as well, so that they cannot be paid at all, rather than refunded after.
  const open = order.paidByPaymentId === null ? orderPayments.filter((payment) => payment.id !== winner.id && CHANGEABLE.includes(payment.status)) : [];
  for (const payment of [...duplicatePayments(winner, orderPayments), ...open]) await queueDuplicatePayment(tx, order.id, winner.id, payment);
}

type PaymentChange = Extract<BillingChange, { kind: 'payment' }>;

/**
 * Applies provider payments (and their refunds) to payments, refunds and their orders. Each order
 * is settled once, after all of its payments here are recorded, and orders are locked in id order.
 */
async function applyPayments(tx: Transaction, changes: PaymentChange[]): Promise<void> {
  if (changes.length === 0) return;
  const recorded = await upsertPayments(tx, changes.map((change) => change.payment));
  const toSettle = new Set<string>();
  for (const { payment, refunds: paymentRefunds = [] } of changes) {
    const row = recorded.get(paymentName(payment.provider, payment.id))!;
    for (const refund of paymentRefunds) await upsertRefund(tx, row.id, refund);
    // An unchanged payment leaves its order as the last change settled it, unless refunds moved.
    if (row.orderId && (row.changed || paymentRefunds.length > 0)) toSettle.add(row.orderId);
  }
  for (const orderId of [...toSettle].sort()) await settleOrder(tx, orderId);
  // A payment of no order collected an invoice (a subscription's): its refunds are the invoice's too.
  await recordInvoicePaymentRefunds(tx, changes.map((change) => change.payment).filter((payment) => payment.orderId === null && payment.amountRefunded.amount > 0));
}

/** Applies one provider payment (and its refunds) to payments, refunds and the order. */
export async function applyPayment(tx: Transaction, payment: ProviderPayment, paymentRefunds: ProviderRefund[] = []): Promise<void> {
  await applyPayments(tx, [{ kind: 'payment', payment, refunds: paymentRefunds }]);
}

/** Applies a dispute; the disputed payment must already be known (else the job is retried). */
export async function applyDispute(tx: Transaction, dispute: ProviderDispute): Promise<void> {
  const [payment] = await tx
    .select({ id: payments.id })
    .from(payments)
    .where(and(eq(payments.provider, dispute.provider), eq(payments.providerPaymentId, dispute.paymentId)));
  if (!payment) throw new NotYetKnownError(`dispute ${dispute.id} is for payment ${dispute.paymentId}, which is not recorded yet`);
  await tx
    .insert(disputes)
    .values({
      paymentId: payment.id,
      provider: dispute.provider,
      providerDisputeId: dispute.id,
      status: dispute.status,
      amount: dispute.amount.amount,
      currency: dispute.amount.currency,
      reason: dispute.reason,
      evidenceDueBy: dispute.evidenceDueBy,
    })
    .onConflictDoUpdate({
      target: [disputes.provider, disputes.providerDisputeId],
      set: { status: dispute.status, amount: dispute.amount.amount, reason: dispute.reason, evidenceDueBy: dispute.evidenceDueBy, updatedAt: sql`now()` },
    });
}

/** Applies one change, in a transaction that already holds its key's lock. */
export async function applyChange(tx: Transaction, change: BillingChange): Promise<void> {
  if (change.kind === 'payment') await applyPayment(tx, change.payment, change.refunds);
  else if (change.kind === 'dispute') await applyDispute(tx, change.dispute);
  else await applySubscriptionChange(tx, change);
}

export async function lockBillingKey(tx: Transaction, key: BillingKey): Promise<void> {
  if (isPaymentKey(key)) await lockProviderPayments(tx, [key]);
  else await lockBillingCustomer(tx, key.provider, key.providerCustomerId);
}

/**
 * Applies changes that a provider event produced. `refetch` is called inside the key's lock
 * and returns the change to apply, built from the provider's current objects.
 */
export async function applyBillingChange(db: Database, key: BillingKey, refetch: () => Promise<BillingChange>): Promise<void> {
  await db.transaction(async (tx) => {
    await lockBillingKey(tx, key);
    await applyChange(tx, await refetch());
  });
}

/**
 * Applies the changes of several payments in one transaction that holds their locks:
 * `refetch` is called inside them with the keys locked and returns the changes built from the
 * provider's current objects (it may leave out the ones it could not read). A webhook storm's
 * events are mostly about different payments; one lock statement, one upsert and one commit for
 * a batch of them cost the database a few round trips instead of four per payment. Payments
 * another transaction holds are not waited for: they are returned, for the caller to apply on
 * their own (applyBillingChange) once this transaction, and its locks, are over. If anything
 * fails, nothing is applied: the caller applies each key on its own, so that one bad object
 * fails alone.
 */
export async function applyPaymentChanges(db: Database, keys: PaymentKey[], refetch: (locked: PaymentKey[]) => Promise<BillingChange[]>): Promise<{ busy: PaymentKey[] }> {
  return db.transaction(async (tx) => {
    const locked = await lockFreeProviderPayments(tx, keys);
    const busy = keys.filter((key) => !locked.includes(key));
    if (locked.length === 0) return { busy };
    const changes = await refetch(locked);
    await applyPayments(
      tx,
      changes.filter((change): change is PaymentChange => change.kind === 'payment'),
    );
    for (const change of changes) if (change.kind !== 'payment') await applyChange(tx, change);
    return { busy };
  });
}
