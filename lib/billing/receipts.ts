import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { customers, invoices, prices, products, subscriptions } from '@/db/schema';
import { money, type Money } from '@/lib/money';
import type { InvoiceStatus, PaymentProviderName } from '@/lib/payments/types';
import { isUuid } from '@/lib/uuid';
import { invoiceRefundOf, type InvoiceRefund } from './invoice-refund';

/**
 * Billfold's own receipt for a paid invoice the provider keeps no PDF of: each PayPal
 * subscription payment (PayPal has no invoice documents). Stripe invoices link to Stripe's PDF
 * instead, so the portal offers exactly one document per invoice.
 */

/** How the invoice was paid, as far as the subscription's payment method columns tell. */
export type ReceiptPayment =
  | { kind: 'card'; last4: string }
  /** The provider account itself (a PayPal payer), with its email when the provider gave it. */
  | { kind: 'account'; provider: PaymentProviderName; email: string | null };

export interface Receipt {
  invoiceId: string;
  /** The invoice's number, else the provider's transaction id. */
  number: string;
  paidAt: Date;
  /** The subscriber, as the provider's customer knows them (the address billing emails go to). */
  email: string;
  planName: string | null;
  period: { start: Date; end: Date } | null;
  amountPaid: Money;
  /** What went back from the payment since (the receipt says so, and what was kept). */
  refund: InvoiceRefund | null;
  payment: ReceiptPayment;
  provider: PaymentProviderName;
  providerTransactionId: string;
}

/** Whether Billfold makes the receipt of an invoice: paid, and with no PDF of the provider's. */
export function hasOwnReceipt(invoice: { status: InvoiceStatus; invoicePdf: string | null }): boolean {
  return invoice.status === 'paid' && invoice.invoicePdf === null;
}

/** Where the portal downloads the receipt (app/(account)/account/billing/invoices/[id]/receipt). */
export function receiptPath(invoiceId: string): string {
  return `/account/billing/invoices/${invoiceId}/receipt`;
}

/**
 * The receipt of one of the account's invoices; null when the id is malformed, names no
 * invoice, another account's, or one without a receipt of ours (unpaid, or with the provider's
 * PDF). The route answers 404 for all of them alike, so ids cannot be probed. Ownership is part
 * of the query (the invoice's customer belongs to the user), as hasOwnReceipt is.
 */
export async function receiptForUser(db: Database, userId: string, invoiceId: string): Promise<Receipt | null> {
  if (!isUuid(invoiceId)) return null;
  const [row] = await db
    .select({ invoice: invoices, email: customers.email, subscription: subscriptions, planName: products.name })
    .from(invoices)
    .innerJoin(customers, eq(customers.id, invoices.customerId))
    .leftJoin(subscriptions, eq(subscriptions.id, invoices.subscriptionId))
    .leftJoin(prices, eq(prices.id, subscriptions.priceId))
    .leftJoin(products, eq(products.id, prices.productId))
    .where(and(eq(invoices.id, invoiceId), eq(customers.userId, userId), eq(invoices.status, 'paid'), isNull(invoices.invoicePdf)));
  if (!row) return null;
  const { invoice, subscription } = row;
  return {
    invoiceId: invoice.id,
    number: invoice.number ?? invoice.providerInvoiceId,
    // A PayPal transaction is recorded when it completes, so its creation is when it was paid.
    paidAt: invoice.paidAt ?? invoice.providerCreatedAt,
    email: row.email,
    // Invoices do not record their price: this is the subscription's plan now, which is the one
    // paid for as long as the plan is not changed (Billfold does not change a PayPal subscription's).
    planName: row.planName,
    period: invoice.periodStart && invoice.periodEnd ? { start: invoice.periodStart, end: invoice.periodEnd } : null,
    amountPaid: money(invoice.amountPaid, invoice.currency),
    refund: invoiceRefundOf(money(invoice.amountPaid, invoice.currency), money(invoice.amountRefunded, invoice.currency)),
    // Likewise the subscription's payment method now: a PayPal payer stays the same account.
    payment:
      subscription?.paymentMethodLast4
        ? { kind: 'card', last4: subscription.paymentMethodLast4 }
        : { kind: 'account', provider: invoice.provider, email: subscription?.paymentMethodEmail ?? null },
    provider: invoice.provider,
    providerTransactionId: invoice.providerInvoiceId,
  };
}
