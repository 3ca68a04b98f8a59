import { z } from 'zod';
import type { Database } from '@/db/client';
import { paymentProvider } from '@/db/schema';
import { UserFacingError } from '@/lib/errors';
import { findPersonRecords, hasAnyRecord, type PersonRecords } from './person';

/**
 * `npm run admin -- export <email>`: one JSON document of everything Billfold holds about a
 * person (GDPR art. 15 and 20). Tokens, password hashes and session ids are never in it: they
 * are secrets, not the person's data. Money is minor units beside its currency (lib/money.ts).
 */

const Timestamp = z.iso.datetime({ offset: true });
const Money = z.object({ minor: z.number().int(), currency: z.string().regex(/^[A-Z]{3}$/) });
const Provider = z.enum(paymentProvider.enumValues);

export const PersonalDataExport = z.object({
  format: z.literal('billfold.personal-data/1'),
  exportedAt: Timestamp,
  email: z.string(),
  account: z
    .object({
      id: z.string(),
      email: z.string(),
      name: z.string().nullable(),
      image: z.string().nullable(),
      role: z.enum(['customer', 'support', 'admin']),
      emailVerifiedAt: Timestamp.nullable(),
      hasPassword: z.boolean(),
      createdAt: Timestamp,
      erasedAt: Timestamp.nullable(),
      signInProviders: z.array(z.object({ provider: z.string(), providerAccountId: z.string(), type: z.string(), scope: z.string().nullable() })),
      sessions: z.array(z.object({ expires: Timestamp })),
    })
    .nullable(),
  providerCustomers: z.array(z.object({ provider: Provider, providerCustomerId: z.string(), email: z.string(), createdAt: Timestamp })),
  orders: z.array(
    z.object({
      id: z.string(),
      number: z.number().int(),
      email: z.string(),
      status: z.string(),
      subtotal: Money,
      total: Money,
      createdAt: Timestamp,
      paidAt: Timestamp.nullable(),
      items: z.array(z.object({ description: z.string(), quantity: z.number().int(), unitAmount: Money, total: Money })),
    }),
  ),
  payments: z.array(
    z.object({
      id: z.string(),
      orderId: z.string().nullable(),
      provider: Provider,
      providerPaymentId: z.string(),
      status: z.string(),
      amount: Money,
      captured: Money,
      refunded: Money,
      card: z.object({ brand: z.string().nullable(), last4: z.string().nullable() }).nullable(),
      failureCode: z.string().nullable(),
      createdAt: Timestamp,
    }),
  ),
  refunds: z.array(z.object({ paymentId: z.string(), providerRefundId: z.string().nullable(), status: z.string(), amount: Money, reason: z.string().nullable(), createdAt: Timestamp })),
  disputes: z.array(
    z.object({ paymentId: z.string(), providerDisputeId: z.string(), status: z.string(), amount: Money, reason: z.string().nullable(), evidenceDueBy: Timestamp.nullable(), createdAt: Timestamp }),
  ),
  subscriptions: z.array(
    z.object({
      id: z.string(),
      provider: Provider,
      providerSubscriptionId: z.string(),
      status: z.string(),
      priceId: z.string(),
      quantity: z.number().int(),
      currentPeriodStart: Timestamp.nullable(),
      currentPeriodEnd: Timestamp.nullable(),
      cancelAtPeriodEnd: z.boolean(),
      canceledAt: Timestamp.nullable(),
      endedAt: Timestamp.nullable(),
      trialEnd: Timestamp.nullable(),
      paymentMethod: z.object({ brand: z.string().nullable(), last4: z.string().nullable(), email: z.string().nullable() }),
      createdAt: Timestamp,
    }),
  ),
  subscriptionMoves: z.array(z.object({ fromSubscriptionId: z.string(), toProvider: Provider, status: z.string(), startsAt: Timestamp, createdAt: Timestamp })),
  invoices: z.array(
    z.object({
      provider: Provider,
      providerInvoiceId: z.string(),
      number: z.string().nullable(),
      status: z.string(),
      due: Money,
      paid: Money,
      periodStart: Timestamp.nullable(),
      periodEnd: Timestamp.nullable(),
      issuedAt: Timestamp,
      paidAt: Timestamp.nullable(),
      hostedInvoiceUrl: z.string().nullable(),
    }),
  ),
  emails: z.array(z.object({ kind: z.string(), to: z.string(), subject: z.string(), text: z.string(), status: z.string(), createdAt: Timestamp, sentAt: Timestamp.nullable() })),
  auditLog: z.array(z.object({ action: z.string(), actorKind: z.string(), subjectType: z.string(), subjectId: z.string(), data: z.unknown(), createdAt: Timestamp })),
  providerEvents: z.array(z.object({ provider: Provider, eventId: z.string(), type: z.string(), receivedAt: Timestamp, payload: z.unknown() })),
});
export type PersonalDataExport = z.infer<typeof PersonalDataExport>;

const iso = (date: Date) => date.toISOString();
const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);
const money = (minor: number, currency: string) => ({ minor, currency });

export function personalDataDocument(person: PersonRecords, now: Date): PersonalDataExport {
  const { user } = person;
  const itemsOf = (orderId: string) => person.orderItems.filter((item) => item.orderId === orderId);
  const document: PersonalDataExport = {
    format: 'billfold.personal-data/1',
    exportedAt: iso(now),
    email: person.email,
    account: user
      ? {
          id: user.id,
          email: user.email,
          name: user.name,
          image: user.image,
          role: user.role,
          emailVerifiedAt: isoOrNull(user.emailVerified),
          hasPassword: user.passwordHash !== null,
          createdAt: iso(user.createdAt),
          erasedAt: isoOrNull(user.erasedAt),
          signInProviders: person.accounts.map((account) => ({ provider: account.provider, providerAccountId: account.providerAccountId, type: account.type, scope: account.scope })),
          sessions: person.sessions.map((session) => ({ expires: iso(session.expires) })),
        }
      : null,
    providerCustomers: person.customers.map((customer) => ({
      provider: customer.provider,
      providerCustomerId: customer.providerCustomerId,
      email: customer.email,
      createdAt: iso(customer.createdAt),
    })),
    orders: person.orders.map((order) => ({
      id: order.id,
      number: order.number,
      email: order.email,
      status: order.status,
      subtotal: money(order.amountSubtotal, order.currency),
      total: money(order.amountTotal, order.currency),
      createdAt: iso(order.createdAt),
      paidAt: isoOrNull(order.paidAt),
      items: itemsOf(order.id).map((item) => ({
        description: item.description,
        quantity: item.quantity,
        unitAmount: money(item.unitAmount, item.currency),
        total: money(item.amountTotal, item.currency),
      })),
    })),
    payments: person.payments.map((payment) => ({
      id: payment.id,
      orderId: payment.orderId,
      provider: payment.provider,
      providerPaymentId: payment.providerPaymentId,
      status: payment.status,
      amount: money(payment.amount, payment.currency),
      captured: money(payment.amountCaptured, payment.currency),
      refunded: money(payment.amountRefunded, payment.currency),
      card: payment.cardBrand || payment.cardLast4 ? { brand: payment.cardBrand, last4: payment.cardLast4 } : null,
      failureCode: payment.failureCode,
      createdAt: iso(payment.createdAt),
    })),
    refunds: person.refunds.map((refund) => ({
      paymentId: refund.paymentId,
      providerRefundId: refund.providerRefundId,
      status: refund.status,
      amount: money(refund.amount, refund.currency),
      reason: refund.reason,
      createdAt: iso(refund.createdAt),
    })),
    disputes: person.disputes.map((dispute) => ({
      paymentId: dispute.paymentId,
      providerDisputeId: dispute.providerDisputeId,
      status: dispute.status,
      amount: money(dispute.amount, dispute.currency),
      reason: dispute.reason,
      evidenceDueBy: isoOrNull(dispute.evidenceDueBy),
      createdAt: iso(dispute.createdAt),
    })),
    subscriptions: person.subscriptions.map((subscription) => ({
      id: subscription.id,
      provider: subscription.provider,
      providerSubscriptionId: subscription.providerSubscriptionId,
      status: subscription.status,
      priceId: subscription.priceId,
      quantity: subscription.quantity,
      currentPeriodStart: isoOrNull(subscription.currentPeriodStart),
      currentPeriodEnd: isoOrNull(subscription.currentPeriodEnd),
      cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
      canceledAt: isoOrNull(subscription.canceledAt),
      endedAt: isoOrNull(subscription.endedAt),
      trialEnd: isoOrNull(subscription.trialEnd),
      paymentMethod: { brand: subscription.paymentMethodBrand, last4: subscription.paymentMethodLast4, email: subscription.paymentMethodEmail },
      createdAt: iso(subscription.providerCreatedAt),
    })),
    subscriptionMoves: person.subscriptionSwitches.map((move) => ({
      fromSubscriptionId: move.fromSubscriptionId,
      toProvider: move.toProvider,
      status: move.status,
      startsAt: iso(move.startsAt),
      createdAt: iso(move.createdAt),
    })),
    invoices: person.invoices.map((invoice) => ({
      provider: invoice.provider,
      providerInvoiceId: invoice.providerInvoiceId,
      number: invoice.number,
      status: invoice.status,
      due: money(invoice.amountDue, invoice.currency),
      paid: money(invoice.amountPaid, invoice.currency),
      periodStart: isoOrNull(invoice.periodStart),
      periodEnd: isoOrNull(invoice.periodEnd),
      issuedAt: iso(invoice.providerCreatedAt),
      paidAt: isoOrNull(invoice.paidAt),
      hostedInvoiceUrl: invoice.hostedInvoiceUrl,
    })),
    emails: person.emails.map((email) => ({
      kind: email.kind,
      to: email.to,
      subject: email.subject,
      text: email.text,
      status: email.status,
      createdAt: iso(email.createdAt),
      sentAt: isoOrNull(email.sentAt),
    })),
    auditLog: person.auditLog.map((entry) => ({
      action: entry.action,
      actorKind: entry.actorKind,
      subjectType: entry.subjectType,
      subjectId: entry.subjectId,
      data: entry.data,
      createdAt: iso(entry.createdAt),
    })),
    providerEvents: person.providerEvents.map((event) => ({
      provider: event.provider,
      eventId: event.eventId,
      type: event.type,
      receivedAt: iso(event.receivedAt),
      payload: event.payload,
    })),
  };
  // The document is the contract with whoever receives it: a shape mistake fails here, not in their hands.
  return PersonalDataExport.parse(document);
}

/** The export for `email`; a UserFacingError when Billfold holds nothing under that address. */
export async function exportPersonalData(db: Database, email: string, now = new Date()): Promise<PersonalDataExport> {
  const person = await findPersonRecords(db, email);
  if (!hasAnyRecord(person)) throw new UserFacingError(`Billfold holds nothing for ${email}: no account, order, provider customer or email has that address.`, 'not_found');
  return personalDataDocument(person, now);
}
