import { formatMoney, type Money } from '@/lib/money';

/**
 * What went back from a paid invoice's payment, said the same way in the portal's list, the
 * receipt and the console: all of it, or part (with the amount), or nothing (null).
 */
export type InvoiceRefund = { kind: 'refunded'; amount: Money } | { kind: 'partly_refunded'; amount: Money };

export function invoiceRefundOf(amountPaid: Money, amountRefunded: Money): InvoiceRefund | null {
  if (amountRefunded.amount <= 0 || amountPaid.amount <= 0) return null;
  return amountRefunded.amount >= amountPaid.amount ? { kind: 'refunded', amount: amountRefunded } : { kind: 'partly_refunded', amount: amountRefunded };
}

/** "Refunded", or "Partly refunded (US$3.00)". */
export function invoiceRefundLabel(refund: InvoiceRefund): string {
  return refund.kind === 'refunded' ? 'Refunded' : `Partly refunded (${formatMoney(refund.amount)})`;
}
