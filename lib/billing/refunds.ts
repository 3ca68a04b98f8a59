import { eq, sql } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import { auditLog, orders, payments, refundReason, refundRequests, refunds } from '@/db/schema';
import { enforceLimit, type RateLimitRule } from '@/lib/auth/rate-limit';
import { assertCan } from '@/lib/auth/roles';
import type { SessionUser } from '@/lib/auth/users';
import { UserFacingError } from '@/lib/errors';
import { log } from '@/lib/log';
import { queueEmail } from '@/lib/mail/outbox';
import { formatMoney, money, type Money } from '@/lib/money';
import type { PaymentRegistry } from '@/lib/payments';
import { PaymentProviderUnavailableError, PROVIDER_LABELS } from '@/lib/payments/types';
import { isUuid } from '@/lib/uuid';
import { lockBillingKey } from './payment-events';

/**
 * Refunds an admin makes from the console (issue 14), for every provider alike through
 * PaymentsApi.refundPayment. Each is a refund request first (refund_requests): sent at once, or,
 * above ADMIN_REFUND_APPROVAL_ABOVE for its currency, after a second admin approves it. Every
 * step runs under the payment's own billing lock (the one the webhook worker applies the
 * payment's events under), so two admins refunding one payment at once are served one after the
 * other, the second seeing what the first took. The refund row stays `pending` until the
 * provider's webhook settles it (the worker re-reads the payment with its refunds and moves the
 * order to partially_refunded or refunded).
 */

export const REFUND_REASONS = refundReason.enumValues;
export type RefundReason = (typeof REFUND_REASONS)[number];
export type RefundRequest = typeof refundRequests.$inferSelect;
type Payment = typeof payments.$inferSelect;

export interface RefundDeps {
  db: Database;
  payments: PaymentRegistry;
  /** Per currency, the largest refund an admin sends alone (env().refunds.approvalAbove). */
  approvalAbove: ReadonlyMap<string, number>;
  /** How many refunds one staff member may ask for in a window; REFUNDS_PER_STAFF unless a test sets another. */
  refundsPerStaff?: RateLimitRule;
}

/**
 * Refunds one staff member may ask for in an hour. A person refunds a few at a time; a stolen
 * admin session emptying the account in a loop is stopped here, and the rest need another admin.
 */
export const REFUNDS_PER_STAFF: RateLimitRule = { limit: 30, windowSeconds: 60 * 60 };

export interface RefundInput {
  /** Our payment (payments.id). */
  paymentId: string;
  /** The uuid the admin's form was rendered with: a second submit of the same form carries it again. */
  requestId: string;
  /** In the payment's currency (anything else is refused: a form rendered for another payment). */
  amount: Money;
  reason: RefundReason;
  note: string | null;
}

export type RefundOutcome =
  /** The provider took it; the refund is pending until its webhook. */
  | { outcome: 'sent'; request: RefundRequest }
  /** Above the threshold: a second admin must approve it. */
  | { outcome: 'awaiting_approval'; request: RefundRequest }
  /** The provider refused it (see request.lastError); nothing was refunded. */
  | { outcome: 'failed'; request: RefundRequest }
  | { outcome: 'rejected'; request: RefundRequest }
  /** Its requester took it back before anyone decided on it. */
  | { outcome: 'withdrawn'; request: RefundRequest };

/**
 * The provider call's idempotency key: our payment and the admin's request. A double submit, a
 * retried action or an approval retried after an outage replays the same refund at the provider.
 * One request always carries the same amount (the key is unique in refund_requests), which
 * Stripe requires of a reused key.
 */
export function refundKey(paymentId: string, requestId: string): string {
  return `refund:${paymentId}:${requestId}`;
}

/** How much of a payment is refunded, on its way back, promised, and left. All in the payment's currency. */
export interface RefundableAmounts {
  captured: Money;
  /** Settled refunds (or what the provider reports refunded, if more). */
  refunded: Money;
  /** Refunds sent and not yet settled by the provider's webhook. */
  pending: Money;
  /** Refund requests waiting for a second admin. */
  awaitingApproval: Money;
  /** captured − refunded − pending − awaiting approval: the most a new refund may be. */
  remaining: Money;
}

/**
 * What is left to refund of a payment. Refunds just sent are in `refunds` as pending before the
 * provider's webhook moves payments.amount_refunded, and the provider's figure may hold refunds
 * made elsewhere (its dashboard) before their rows exist: what is committed is the larger of the
 * two, so neither is counted twice nor missed. Read under the payment's lock by anything that
 * refunds; read without it by the payment page.
 */
export async function refundableAmounts(db: Database | Transaction, paymentId: string, options: { excludingRequest?: string } = {}): Promise<RefundableAmounts | null> {
  if (!isUuid(paymentId)) return null;
  // Written as SQL with its own aliases: Drizzle leaves a column of another table unqualified
  // inside a select field, which would compare refunds.payment_id with refunds.id.
  const [row] = await db.execute<{ currency: string; captured: string; provider_refunded: string; settled: string; pending: string; awaiting: string }>(sql`
    select p.currency, p.amount_captured as captured, p.amount_refunded as provider_refunded,
      coalesce((select sum(r.amount) from refunds r where r.payment_id = p.id and r.status = 'succeeded'), 0) as settled,
      coalesce((select sum(r.amount) from refunds r where r.payment_id = p.id and r.status in ('pending', 'requires_action')), 0) as pending,
      coalesce((select sum(q.amount) from refund_requests q where q.payment_id = p.id and q.status = 'awaiting_approval'
        and q.id is distinct from ${options.excludingRequest ?? null}::uuid), 0) as awaiting
    from payments p where p.id = ${paymentId}`);
  if (!row) return null;
  const [captured, providerRefunded, settled, pending, awaiting] = [row.captured, row.provider_refunded, row.settled, row.pending, row.awaiting].map(Number) as [number, number, number, number, number];
  const committed = Math.max(providerRefunded, settled + pending);
  const of = (amount: number) => money(amount, row.currency);
  return {
    captured: of(captured),
    refunded: of(committed - pending),
    pending: of(pending),
    awaitingApproval: of(awaiting),
    remaining: of(Math.max(0, captured - committed - awaiting)),
  };
}

/** Whether a refund of `amount` needs a second admin's approval. */
export function needsApproval(approvalAbove: ReadonlyMap<string, number>, amount: Money): boolean {
  const limit = approvalAbove.get(amount.currency);
  return limit !== undefined && amount.amount > limit;
}

function overRefund(remaining: Money): UserFacingError {
  const message =
    remaining.amount === 0 ? 'Nothing is left to refund on this payment.' : `At most ${formatMoney(remaining)} is left to refund on this payment (captured, less refunds made, pending or awaiting approval).`;
  return new UserFacingError(message, 'over_refund', 'amount');
}

async function audit(tx: Transaction, staff: SessionUser, action: string, request: RefundRequest, data: Record<string, unknown>): Promise<void> {
  await tx.insert(auditLog).values({
    actorKind: 'user',
    actorUserId: staff.id,
    action,
    subjectType: 'payment',
    subjectId: request.paymentId,
    data: { refundRequestId: request.id, amount: request.amount, currency: request.currency, reason: request.reason, ...data },
  });
}

/** The refund email: what comes back, of which order, and when to expect it. */
async function queueRefundEmail(tx: Transaction, payment: Payment, request: RefundRequest): Promise<void> {
  if (!payment.orderId) return;
  const [order] = await tx.select().from(orders).where(eq(orders.id, payment.orderId));
  if (!order) return;
  const amount = formatMoney({ amount: request.amount, currency: request.currency });
  const whole = request.amount >= payment.amountCaptured;
  const text = [
    `We have refunded ${amount} of your order #${order.number}${whole ? '' : ` (${formatMoney({ amount: payment.amountCaptured, currency: payment.currency })} paid)`}.`,
    '',
    'The money goes back to the way you paid. Depending on your bank it can take 5 to 10 business days to appear.',
    '',
    'Billfold',
  ].join('\n');
  // One email per request: a replayed send finds it queued already.
  await queueEmail(tx, { kind: 'refund', ref: request.id, to: order.email, subject: `Your refund of ${amount} for order #${order.number}`, text });
}

/**
 * Sends a request to the provider, in the transaction holding the payment's lock, and records the
 * refund as pending. An outage is thrown (the transaction rolls back, and the same request tried
 * again replays the same key); any other refusal is recorded on the request as failed.
 */
async function send(tx: Transaction, deps: RefundDeps, staff: SessionUser, payment: Payment, request: RefundRequest, before: RefundableAmounts): Promise<RefundOutcome> {
  const provider = deps.payments.get(payment.provider);
  let providerRefund;
  try {
    providerRefund = await provider.payments.refundPayment(
      {
        paymentId: payment.providerPaymentId,
        amount: money(request.amount, request.currency),
        reason: request.reason,
        metadata: { payment_id: payment.id, refund_request_id: request.id, ...(payment.orderId ? { order_id: payment.orderId } : {}) },
      },
      request.idempotencyKey,
    );
  } catch (error) {
    if (error instanceof PaymentProviderUnavailableError) throw new UserFacingError(`${PROVIDER_LABELS[provider.name]} could not be reached; nothing was refunded. Try again.`, 'provider_unavailable');
    const message = error instanceof Error ? error.message : String(error);
    const [failed] = await tx.update(refundRequests).set({ status: 'failed', lastError: message.slice(0, 2000), updatedAt: sql`now()` }).where(eq(refundRequests.id, request.id)).returning();
    await audit(tx, staff, 'refund.failed', failed!, { error: message.slice(0, 500) });
    log.warn({ err: error, paymentId: payment.id, refundRequestId: request.id }, 'the provider refused a refund');
    return { outcome: 'failed', request: failed! };
  }
  // Pending even when the provider answers succeeded: payments.amount_refunded and the order's
  // status move only when the provider's webhook is applied, and the refund row settles with them.
  const status = providerRefund.status === 'failed' || providerRefund.status === 'canceled' ? providerRefund.status : 'pending';
  await tx
    .insert(refunds)
    .values({ paymentId: payment.id, provider: payment.provider, providerRefundId: providerRefund.id, status, amount: request.amount, currency: request.currency, reason: request.reason, requestedBy: request.requestedBy })
    // A replay after a lost answer may find the webhook recorded it already: keep its status.
    .onConflictDoUpdate({ target: [refunds.provider, refunds.providerRefundId], set: { requestedBy: request.requestedBy, reason: sql`coalesce(${refunds.reason}, excluded.reason)` } });
  const [sent] = await tx
    .update(refundRequests)
    .set({ status: 'sent', providerRefundId: providerRefund.id, lastError: null, updatedAt: sql`now()` })
    .where(eq(refundRequests.id, request.id))
    .returning();
  await queueRefundEmail(tx, payment, sent!);
  await audit(tx, staff, 'refund.sent', sent!, {
    providerRefundId: providerRefund.id,
    idempotencyKey: request.idempotencyKey,
    before: { refunded: before.refunded.amount + before.pending.amount, remaining: before.remaining.amount },
    after: { refunded: before.refunded.amount + before.pending.amount + request.amount, remaining: before.remaining.amount - request.amount },
  });
  return { outcome: 'sent', request: sent! };
}

async function lockedPayment(tx: Transaction, paymentId: string): Promise<Payment> {
  if (!isUuid(paymentId)) throw new UserFacingError('No such payment.', 'not_found');
  const [found] = await tx.select({ provider: payments.provider, providerPaymentId: payments.providerPaymentId }).from(payments).where(eq(payments.id, paymentId));
  if (!found) throw new UserFacingError('No such payment.', 'not_found');
  await lockBillingKey(tx, found);
  // Read again under the lock: a webhook applied while we waited may have moved its amounts.
  const [payment] = await tx.select().from(payments).where(eq(payments.id, paymentId));
  return payment!;
}

/**
 * Refunds part or all of a payment, or asks a second admin to approve it when it is above the
 * threshold. Never more than is left (refundableAmounts, read under the lock). The same request
 * id again (a double submit, a retry) returns what the first made, and refunds nothing more.
 */
export async function requestRefund(deps: RefundDeps, staff: SessionUser, input: RefundInput): Promise<RefundOutcome> {
  assertCan(staff, 'payments.refund');
  if (!Number.isSafeInteger(input.amount.amount) || input.amount.amount <= 0) throw new UserFacingError('Enter an amount above zero.', 'invalid_amount', 'amount');
  const note = input.note?.trim() ? input.note.trim().slice(0, 1000) : null;
  const key = refundKey(input.paymentId, input.requestId);
  return deps.db.transaction(async (tx): Promise<RefundOutcome> => {
    const payment = await lockedPayment(tx, input.paymentId);
    const [repeated] = await tx.select().from(refundRequests).where(eq(refundRequests.idempotencyKey, key));
    if (repeated) return { outcome: repeated.status, request: repeated };
    // Counted in this transaction: a refusal below (too much, wrong currency) uses none of the allowance.
    await enforceLimit(tx, `refund:staff:${staff.id}`, deps.refundsPerStaff ?? REFUNDS_PER_STAFF, 'You have asked for many refunds in a short time. Wait a while, or ask another admin to send this one.');
    if (payment.amountCaptured === 0) throw new UserFacingError('This payment has taken no money, so there is nothing to refund.', 'not_captured');
    const before = (await refundableAmounts(tx, payment.id))!;
    if (input.amount.currency !== payment.currency) throw new UserFacingError(`This payment is in ${payment.currency}, not ${input.amount.currency}.`, 'wrong_currency', 'amount');
    const amount = input.amount;
    if (amount.amount > before.remaining.amount) throw overRefund(before.remaining);
    const waits = needsApproval(deps.approvalAbove, amount);
    const [request] = await tx
      .insert(refundRequests)
      .values({
        paymentId: payment.id,
        amount: amount.amount,
        currency: amount.currency,
        reason: input.reason,
        note,
        requestedBy: staff.id,
        status: waits ? 'awaiting_approval' : 'sent',
        idempotencyKey: key,
      })
      .returning();
    await audit(tx, staff, 'refund.requested', request!, {
      note,
      needsApproval: waits,
      before: { remaining: before.remaining.amount },
      after: { remaining: before.remaining.amount - amount.amount },
    });
    if (waits) return { outcome: 'awaiting_approval', request: request! };
    return send(tx, deps, staff, payment, request!, before);
  });
}

async function lockedRequest(tx: Transaction, requestId: string): Promise<{ request: RefundRequest; payment: Payment }> {
  if (!isUuid(requestId)) throw new UserFacingError('No such refund request.', 'not_found');
  const [found] = await tx.select({ paymentId: refundRequests.paymentId }).from(refundRequests).where(eq(refundRequests.id, requestId));
  if (!found) throw new UserFacingError('No such refund request.', 'not_found');
  const payment = await lockedPayment(tx, found.paymentId);
  const [request] = await tx.select().from(refundRequests).where(eq(refundRequests.id, requestId));
  return { request: request!, payment };
}

function assertAwaiting(request: RefundRequest): void {
  if (request.status !== 'awaiting_approval') {
    const what = { sent: 'approved and sent', rejected: 'rejected', failed: 'sent, and the provider refused it', withdrawn: 'withdrawn by the admin who asked for it', awaiting_approval: '' }[request.status];
    throw new UserFacingError(`This refund request was already ${what}.`, 'already_decided');
  }
}

/**
 * A second admin approves a refund request, and it is sent. Whoever asked for it cannot approve
 * it (also refused by the database: refund_requests_decider_not_requester). It is checked again
 * against what is left, which may have shrunk since it was asked for (a refund made at the
 * provider's dashboard, a dispute).
 */
export async function approveRefund(deps: RefundDeps, staff: SessionUser, requestId: string): Promise<RefundOutcome> {
  assertCan(staff, 'payments.refund');
  return deps.db.transaction(async (tx): Promise<RefundOutcome> => {
    const { request, payment } = await lockedRequest(tx, requestId);
    assertAwaiting(request);
    if (request.requestedBy === staff.id) throw new UserFacingError('You asked for this refund, so another admin must approve it.', 'own_request');
    const before = (await refundableAmounts(tx, payment.id, { excludingRequest: request.id }))!;
    if (request.amount > before.remaining.amount) throw overRefund(before.remaining);
    const [approved] = await tx.update(refundRequests).set({ decidedBy: staff.id, decidedAt: sql`now()`, updatedAt: sql`now()` }).where(eq(refundRequests.id, request.id)).returning();
    await audit(tx, staff, 'refund.approved', approved!, { requestedBy: request.requestedBy });
    return send(tx, deps, staff, payment, approved!, before);
  });
}

/** A second admin refuses a refund request; nothing is sent, and what it held back is refundable again. */
export async function rejectRefund(deps: Pick<RefundDeps, 'db'>, staff: SessionUser, requestId: string): Promise<RefundOutcome> {
  assertCan(staff, 'payments.refund');
  return deps.db.transaction(async (tx): Promise<RefundOutcome> => {
    const { request } = await lockedRequest(tx, requestId);
    assertAwaiting(request);
    if (request.requestedBy === staff.id) throw new UserFacingError('You asked for this refund, so another admin must decide on it.', 'own_request');
    const [rejected] = await tx
      .update(refundRequests)
      .set({ status: 'rejected', decidedBy: staff.id, decidedAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(refundRequests.id, request.id))
      .returning();
    await audit(tx, staff, 'refund.rejected', rejected!, { requestedBy: request.requestedBy });
    return { outcome: 'rejected', request: rejected! };
  });
}

/**
 * The admin who asked for a refund takes it back while it still awaits approval (a mistyped
 * amount, the customer changed their mind): nothing is sent, what it held back is refundable
 * again. Only they may: anyone else decides on it instead (approve or reject).
 */
export async function withdrawRefund(deps: Pick<RefundDeps, 'db'>, staff: SessionUser, requestId: string): Promise<RefundOutcome> {
  assertCan(staff, 'payments.refund');
  return deps.db.transaction(async (tx): Promise<RefundOutcome> => {
    const { request } = await lockedRequest(tx, requestId);
    assertAwaiting(request);
    if (request.requestedBy !== staff.id) throw new UserFacingError('Only the admin who asked for this refund can withdraw it; approve or reject it instead.', 'not_own_request');
    const [withdrawn] = await tx
      .update(refundRequests)
      .set({ status: 'withdrawn', decidedAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(refundRequests.id, request.id))
      .returning();
    await audit(tx, staff, 'refund.withdrawn', withdrawn!, {});
    return { outcome: 'withdrawn', request: withdrawn! };
  });
}
