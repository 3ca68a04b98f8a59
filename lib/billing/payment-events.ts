import { and, eq, sql } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import { disputes, orders, payments, refunds } from '@/db/schema';
import { queueReceipt } from '@/lib/mail/receipts';
import { NotYetKnownError } from './not-yet-known';
import { applySubscriptionChange, lockBillingCustomer, type SubscriptionChange } from './subscription-events';

/**
 * Provider-neutral facts about money, as a provider reports them *now* (lib/payments/<provider>
 * re-fetches the object before building these, so applying them is idempotent and safe in any
 * order). lib/billing decides what they mean for orders.
 */
export type Provider = 'stripe' | 'paypal';
export type PaymentStatus = (typeof payments.$inferSelect)['status'];
export type RefundStatus = (typeof refunds.$inferSelect)['status'];
export type DisputeStatus = (typeof disputes.$inferSelect)['status'];
export type OrderStatus = (typeof orders.$inferSelect)['status'];

export interface ProviderPayment {
  provider: Provider;
  providerPaymentId: string;
  /** Our order, as the provider object carries it (PaymentIntent metadata[order_id]). */
  orderId: string | null;
  status: PaymentStatus;
  amount: number;
  amountCaptured: number;
  amountRefunded: number;
  /** ISO 4217, upper case. */
  currency: string;
  failureCode: string | null;
  failureMessage: string | null;
}

export interface ProviderRefund {
  provider: Provider;
  providerRefundId: string;
  providerPaymentId: string;
  status: RefundStatus;
  amount: number;
  currency: string;
  reason: string | null;
}

export interface ProviderDispute {
  provider: Provider;
  providerDisputeId: string;
  providerPaymentId: string;
  status: DisputeStatus;
  amount: number;
  currency: string;
  reason: string | null;
  evidenceDueBy: Date | null;
}

export type BillingChange = { kind: 'payment'; payment: ProviderPayment; refunds?: ProviderRefund[] } | { kind: 'dispute'; dispute: ProviderDispute } | SubscriptionChange;

/**
 * What a change is serialised on: a payment (its refunds and disputes with it), or a customer
 * (their subscriptions and invoices: see lockBillingCustomer).
 */
export type BillingKey = { provider: Provider; providerPaymentId: string } | { provider: Provider; providerCustomerId: string };

export { NotYetKnownError };

/**
 * Serialises every change to one provider payment: the caller re-fetches the provider object
 * while holding this lock, so the last writer always wrote the newest state.
 */
async function lockProviderPayment(tx: Transaction, provider: Provider, providerPaymentId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`payment:${provider}:${providerPaymentId}`}, 0))`);
}

/** The order's state follows from all of its payments: one that succeeded wins over older attempts. */
export function orderStatusFrom(current: OrderStatus, orderPayments: Pick<typeof payments.$inferSelect, 'status' | 'amountCaptured' | 'amountRefunded' | 'failureCode' | 'createdAt'>[]): OrderStatus {
  const succeeded = orderPayments.find((payment) => payment.status === 'succeeded');
  if (succeeded) {
    if (succeeded.amountCaptured > 0 && succeeded.amountRefunded >= succeeded.amountCaptured) return 'refunded';
    if (succeeded.amountRefunded > 0) return 'partially_refunded';
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

/**
 * Records the provider's payment. Returns the row and whether anything changed: redelivered and
 * re-fetched events mostly find the payment as it was, and then nothing is written at all.
 */
async function upsertPayment(tx: Transaction, payment: ProviderPayment): Promise<{ row: typeof payments.$inferSelect; changed: boolean }> {
  const values = {
    provider: payment.provider,
    providerPaymentId: payment.providerPaymentId,
    orderId: payment.orderId,
    status: payment.status,
    amount: payment.amount,
    amountCaptured: payment.amountCaptured,
    amountRefunded: payment.amountRefunded,
    currency: payment.currency,
    failureCode: payment.failureCode,
    failureMessage: payment.failureMessage,
  };
  const [row] = await tx
    .insert(payments)
    .values(values)
    .onConflictDoUpdate({
      target: [payments.provider, payments.providerPaymentId],
      set: {
        status: values.status,
        amount: values.amount,
        amountCaptured: values.amountCaptured,
        amountRefunded: values.amountRefunded,
        currency: values.currency,
        failureCode: values.failureCode,
        failureMessage: values.failureMessage,
        // The checkout recorded the order first; a provider object never moves a payment to another order.
        orderId: sql`coalesce(${payments.orderId}, excluded.order_id)`,
        updatedAt: sql`now()`,
      },
      setWhere: sql`(${payments.status}, ${payments.amount}, ${payments.amountCaptured}, ${payments.amountRefunded}, ${payments.currency}, ${payments.failureCode}, ${payments.failureMessage}, ${payments.orderId})
        is distinct from (excluded.status, excluded.amount, excluded.amount_captured, excluded.amount_refunded, excluded.currency, excluded.failure_code, excluded.failure_message, coalesce(${payments.orderId}, excluded.order_id))`,
    })
    .returning();
  if (row) return { row, changed: true };
  const [unchanged] = await tx.select().from(payments).where(and(eq(payments.provider, payment.provider), eq(payments.providerPaymentId, payment.providerPaymentId)));
  if (!unchanged) throw new Error(`payment ${payment.providerPaymentId} was not stored`);
  return { row: unchanged, changed: false };
}

async function upsertRefund(tx: Transaction, paymentId: string, refund: ProviderRefund): Promise<void> {
  await tx
    .insert(refunds)
    .values({ paymentId, provider: refund.provider, providerRefundId: refund.providerRefundId, status: refund.status, amount: refund.amount, currency: refund.currency, reason: refund.reason })
    .onConflictDoUpdate({
      target: [refunds.provider, refunds.providerRefundId],
      set: { status: refund.status, amount: refund.amount, reason: refund.reason, updatedAt: sql`now()` },
    });
}

async function settleOrder(tx: Transaction, orderId: string): Promise<void> {
  const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
  if (!order) throw new NotYetKnownError(`order ${orderId} does not exist`);
  const orderPayments = await tx.select().from(payments).where(eq(payments.orderId, orderId));
  const status = orderStatusFrom(order.status, orderPayments);
  if (status === order.status) return;
  const becomesPaid = order.paidAt === null && (status === 'paid' || status === 'partially_refunded' || status === 'refunded');
  const [updated] = await tx
    .update(orders)
    .set({ status, updatedAt: sql`now()`, ...(becomesPaid ? { paidAt: sql`now()` } : {}) })
    .where(eq(orders.id, orderId))
    .returning();
  if (becomesPaid && updated) await queueReceipt(tx, updated);
}

/** Applies one provider payment (and its refunds) to payments, refunds and the order. */
export async function applyPayment(tx: Transaction, payment: ProviderPayment, paymentRefunds: ProviderRefund[] = []): Promise<void> {
  const { row, changed } = await upsertPayment(tx, payment);
  for (const refund of paymentRefunds) await upsertRefund(tx, row.id, refund);
  // An unchanged payment leaves its order as the last change settled it, unless refunds moved.
  if (row.orderId && (changed || paymentRefunds.length > 0)) await settleOrder(tx, row.orderId);
}

/** Applies a dispute; the disputed payment must already be known (else the job is retried). */
export async function applyDispute(tx: Transaction, dispute: ProviderDispute): Promise<void> {
  const [payment] = await tx
    .select({ id: payments.id })
    .from(payments)
    .where(and(eq(payments.provider, dispute.provider), eq(payments.providerPaymentId, dispute.providerPaymentId)));
  if (!payment) throw new NotYetKnownError(`dispute ${dispute.providerDisputeId} is for payment ${dispute.providerPaymentId}, which is not recorded yet`);
  await tx
    .insert(disputes)
    .values({
      paymentId: payment.id,
      provider: dispute.provider,
      providerDisputeId: dispute.providerDisputeId,
      status: dispute.status,
      amount: dispute.amount,
      currency: dispute.currency,
      reason: dispute.reason,
      evidenceDueBy: dispute.evidenceDueBy,
    })
    .onConflictDoUpdate({
      target: [disputes.provider, disputes.providerDisputeId],
      set: { status: dispute.status, amount: dispute.amount, reason: dispute.reason, evidenceDueBy: dispute.evidenceDueBy, updatedAt: sql`now()` },
    });
}

/** Applies one change, in a transaction that already holds its key's lock. */
export async function applyChange(tx: Transaction, change: BillingChange): Promise<void> {
  if (change.kind === 'payment') await applyPayment(tx, change.payment, change.refunds);
  else if (change.kind === 'dispute') await applyDispute(tx, change.dispute);
  else await applySubscriptionChange(tx, change);
}

export async function lockBillingKey(tx: Transaction, key: BillingKey): Promise<void> {
  if ('providerPaymentId' in key) await lockProviderPayment(tx, key.provider, key.providerPaymentId);
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
