import { aliasedTable, and, asc, desc, eq } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { auditLog, customers, disputes, orderItems, orders, payments, refundRequests, refunds, users, webhookEvents } from '@/db/schema';
import type { PaymentsMode } from '@/lib/env';
import { formatMoney, money, type Money } from '@/lib/money';
import type { DisputeStatus, PaidCard, PaymentProviderName, PaymentStatus, RefundStatus } from '@/lib/payments/types';
import { isUuid } from '@/lib/uuid';
import { captureKey } from '../capture';
import { refundableAmounts, type RefundableAmounts, type RefundRequest } from '../refunds';

/**
 * The admin console's page of one payment (issue 14): its amounts, buyer, order, the provider's
 * ids with links to the provider's dashboard, and a timeline of everything that happened to it:
 * the provider's events as the worker processed them (found by webhook_events.provider_payment_id,
 * which the worker writes when it classifies an event), refunds, disputes, and what admins did
 * (the audit log). The idempotency keys Billfold sent the provider are listed with it.
 */

type WebhookEventStatus = (typeof webhookEvents.$inferSelect)['status'];
type OrderStatus = (typeof orders.$inferSelect)['status'];

export type TimelineEntry = { at: Date; key: string } & (
  | { kind: 'created'; amount: Money }
  | { kind: 'webhook'; eventId: string; type: string; status: WebhookEventStatus; attempts: number; lastError: string | null; processedAt: Date | null }
  | { kind: 'refund'; providerRefundId: string | null; amount: Money; status: RefundStatus; reason: string | null; requestedBy: string | null }
  | { kind: 'dispute'; providerDisputeId: string; amount: Money; status: DisputeStatus; reason: string | null; evidenceDueBy: Date | null }
  | { kind: 'admin'; action: string; actor: string | null; actorKind: string; data: unknown }
);

export interface ProviderLink {
  label: string;
  id: string;
  /** Null when the provider's dashboard has no page for it. */
  url: string | null;
}

export interface RefundRequestView extends RefundRequest {
  requesterEmail: string | null;
  deciderEmail: string | null;
}

export interface PaymentDetail {
  id: string;
  provider: PaymentProviderName;
  providerPaymentId: string;
  status: PaymentStatus;
  amount: Money;
  /** The card it was paid with; null for a wallet or before a card was tried. */
  card: PaidCard | null;
  failureCode: string | null;
  failureMessage: string | null;
  createdAt: Date;
  amounts: RefundableAmounts & { disputed: Money };
  customer: { email: string; customerId: string | null } | null;
  order: {
    id: string;
    number: number;
    status: OrderStatus;
    total: Money;
    lines: { id: string; description: string; quantity: number; unitAmount: Money; amountTotal: Money }[];
  } | null;
  links: ProviderLink[];
  refundRequests: RefundRequestView[];
  timeline: TimelineEntry[];
  idempotencyKeys: { purpose: string; key: string }[];
}

export interface PaymentDetailOptions {
  mode: PaymentsMode;
  sandboxUrl: string;
  /** Whether the provider captures approved payments on the server (PayPal's orders): then its capture key is listed. */
  capturesOnServer: (provider: PaymentProviderName) => boolean;
}

/** Disputes still open or lost hold money back; won and closed inquiries do not. */
const HOLDING: readonly DisputeStatus[] = ['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review', 'lost'];

/** A payment's events beyond this many are left off the timeline (a storm of redeliveries). */
const TIMELINE_EVENTS = 200;

/**
 * Where the provider's own dashboard shows an object, for the payments mode Billfold runs in:
 * Stripe's test-mode pages live under /test; PayPal's sandbox is a separate site. In sandbox mode
 * the local sandbox's dashboard (one page listing every object) stands in for both.
 */
export function providerLinks(
  options: Pick<PaymentDetailOptions, 'mode' | 'sandboxUrl'>,
  provider: PaymentProviderName,
  ids: { payment: string; charge: string | null; refunds: string[]; disputes: string[] },
): ProviderLink[] {
  const { mode } = options;
  if (mode === 'sandbox') {
    const dashboard = `${options.sandboxUrl}/`;
    return [
      { label: 'Payment', id: ids.payment, url: dashboard },
      ...(ids.charge ? [{ label: provider === 'paypal' ? 'Capture' : 'Charge', id: ids.charge, url: dashboard }] : []),
      ...ids.refunds.map((id) => ({ label: 'Refund', id, url: dashboard })),
      ...ids.disputes.map((id) => ({ label: 'Dispute', id, url: dashboard })),
    ];
  }
  if (provider === 'stripe') {
    const base = mode === 'live' ? 'https://dashboard.stripe.com' : 'https://dashboard.stripe.com/test';
    return [
      { label: 'Payment', id: ids.payment, url: `${base}/payments/${encodeURIComponent(ids.payment)}` },
      // Stripe's payment page is the charge's too: it opens by either id.
      ...(ids.charge ? [{ label: 'Charge', id: ids.charge, url: `${base}/payments/${encodeURIComponent(ids.charge)}` }] : []),
      // Stripe shows a refund on its payment's page.
      ...ids.refunds.map((id) => ({ label: 'Refund', id, url: `${base}/payments/${encodeURIComponent(ids.payment)}` })),
      ...ids.disputes.map((id) => ({ label: 'Dispute', id, url: `${base}/disputes/${encodeURIComponent(id)}` })),
    ];
  }
  // PayPal's activity pages are keyed by transaction (a capture, a refund), not by order: the
  // order links to the activity list, where its id can be searched; refunds link to their own.
  const site = mode === 'live' ? 'https://www.paypal.com' : 'https://www.sandbox.paypal.com';
  return [
    { label: 'Order', id: ids.payment, url: `${site}/activities` },
    // The capture is the transaction PayPal's activity page is keyed by.
    ...(ids.charge ? [{ label: 'Capture', id: ids.charge, url: `${site}/activity/payment/${encodeURIComponent(ids.charge)}` }] : []),
    ...ids.refunds.map((id) => ({ label: 'Refund', id, url: `${site}/activity/payment/${encodeURIComponent(id)}` })),
    ...ids.disputes.map((id) => ({ label: 'Dispute', id, url: `${site}/resolutioncenter/${encodeURIComponent(id)}` })),
  ];
}

const requester = aliasedTable(users, 'requester');
const decider = aliasedTable(users, 'decider');

/** One payment as the console shows it; null for an id that is not a payment (or not a uuid at all). */
export async function paymentDetail(db: Database, paymentId: string, options: PaymentDetailOptions): Promise<PaymentDetail | null> {
  if (!isUuid(paymentId)) return null;
  const [row] = await db
    .select({ payment: payments, order: orders, customerId: customers.id })
    .from(payments)
    .leftJoin(orders, eq(orders.id, payments.orderId))
    .leftJoin(customers, eq(customers.id, orders.customerId))
    .where(eq(payments.id, paymentId));
  if (!row) return null;
  const { payment, order } = row;
  const of = (amount: number) => money(amount, payment.currency);

  const [amounts, lines, refundRows, disputeRows, requests, events, audits] = await Promise.all([
    refundableAmounts(db, payment.id),
    order ? db.select().from(orderItems).where(eq(orderItems.orderId, order.id)).orderBy(asc(orderItems.description)) : [],
    db
      .select({ refund: refunds, requesterEmail: users.email })
      .from(refunds)
      .leftJoin(users, eq(users.id, refunds.requestedBy))
      .where(eq(refunds.paymentId, payment.id))
      .orderBy(asc(refunds.createdAt)),
    db.select().from(disputes).where(eq(disputes.paymentId, payment.id)).orderBy(asc(disputes.createdAt)),
    db
      .select({ request: refundRequests, requesterEmail: requester.email, deciderEmail: decider.email })
      .from(refundRequests)
      .leftJoin(requester, eq(requester.id, refundRequests.requestedBy))
      .leftJoin(decider, eq(decider.id, refundRequests.decidedBy))
      .where(eq(refundRequests.paymentId, payment.id))
      .orderBy(desc(refundRequests.createdAt)),
    db
      .select()
      .from(webhookEvents)
      .where(and(eq(webhookEvents.provider, payment.provider), eq(webhookEvents.providerPaymentId, payment.providerPaymentId)))
      .orderBy(desc(webhookEvents.receivedAt))
      .limit(TIMELINE_EVENTS),
    db
      .select({ entry: auditLog, actorEmail: users.email })
      .from(auditLog)
      .leftJoin(users, eq(users.id, auditLog.actorUserId))
      .where(and(eq(auditLog.subjectType, 'payment'), eq(auditLog.subjectId, payment.id))),
  ]);

  const created: TimelineEntry = { kind: 'created', key: `created:${payment.id}`, at: payment.createdAt, amount: of(payment.amount) };
  const timeline: TimelineEntry[] = [
    created,
    ...events.map((event): TimelineEntry => ({
      kind: 'webhook',
      key: `webhook:${event.id}`,
      at: event.receivedAt,
      eventId: event.eventId,
      type: event.type,
      status: event.status,
      attempts: event.attempts,
      lastError: event.lastError,
      processedAt: event.processedAt,
    })),
    ...refundRows.map(({ refund, requesterEmail }): TimelineEntry => ({
      kind: 'refund',
      key: `refund:${refund.id}`,
      at: refund.createdAt,
      providerRefundId: refund.providerRefundId,
      amount: money(refund.amount, refund.currency),
      status: refund.status,
      reason: refund.reason,
      requestedBy: requesterEmail,
    })),
    ...disputeRows.map((dispute): TimelineEntry => ({
      kind: 'dispute',
      key: `dispute:${dispute.id}`,
      at: dispute.createdAt,
      providerDisputeId: dispute.providerDisputeId,
      amount: money(dispute.amount, dispute.currency),
      status: dispute.status,
      reason: dispute.reason,
      evidenceDueBy: dispute.evidenceDueBy,
    })),
    ...audits.map(({ entry, actorEmail }): TimelineEntry => ({
      kind: 'admin',
      key: `audit:${entry.id}`,
      at: entry.createdAt,
      action: entry.action,
      actor: actorEmail,
      actorKind: entry.actorKind,
      data: entry.data,
    })),
  ].sort((a, b) => b.at.getTime() - a.at.getTime() || a.key.localeCompare(b.key));

  const idempotencyKeys: PaymentDetail['idempotencyKeys'] = [];
  if (payment.idempotencyKey) idempotencyKeys.push({ purpose: 'Checkout: create the payment', key: payment.idempotencyKey });
  // The capture key is derived, never stored: it is built from the order and payment alone.
  if (payment.orderId && options.capturesOnServer(payment.provider) && payment.amountCaptured > 0) {
    idempotencyKeys.push({ purpose: 'Checkout: capture', key: captureKey(payment.orderId, payment.providerPaymentId) });
  }
  for (const { request } of [...requests].reverse()) idempotencyKeys.push({ purpose: `Refund of ${formatMoney(money(request.amount, request.currency))}`, key: request.idempotencyKey });

  const disputed = disputeRows.filter((dispute) => HOLDING.includes(dispute.status)).reduce((sum, dispute) => sum + dispute.amount, 0);
  return {
    id: payment.id,
    provider: payment.provider,
    providerPaymentId: payment.providerPaymentId,
    status: payment.status,
    amount: of(payment.amount),
    card: payment.cardLast4 ? { brand: payment.cardBrand ?? 'unknown', last4: payment.cardLast4 } : null,
    failureCode: payment.failureCode,
    failureMessage: payment.failureMessage,
    createdAt: payment.createdAt,
    amounts: { ...amounts!, disputed: of(disputed) },
    customer: order ? { email: order.email, customerId: row.customerId } : null,
    order: order
      ? {
          id: order.id,
          number: order.number,
          status: order.status,
          total: money(order.amountTotal, order.currency),
          lines: lines.map((line) => ({
            id: line.id,
            description: line.description,
            quantity: line.quantity,
            unitAmount: money(line.unitAmount, line.currency),
            amountTotal: money(line.amountTotal, line.currency),
          })),
        }
      : null,
    links: providerLinks(options, payment.provider, {
      payment: payment.providerPaymentId,
      charge: payment.providerChargeId,
      refunds: refundRows.flatMap(({ refund }) => (refund.providerRefundId ? [refund.providerRefundId] : [])),
      disputes: disputeRows.map((dispute) => dispute.providerDisputeId),
    }),
    refundRequests: requests.map(({ request, requesterEmail, deciderEmail }) => ({ ...request, requesterEmail, deciderEmail })),
    timeline,
    idempotencyKeys,
  };
}
