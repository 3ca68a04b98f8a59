import { asc, eq } from 'drizzle-orm';
import type { Transaction } from '@/db/client';
import { orderItems, type orders } from '@/db/schema';
import { formatMoney } from '@/lib/money';
import { queueEmail } from './outbox';

/**
 * Writes the receipt of a paid order to the outbox, with its delivery job, in the transaction
 * that marked it paid: one receipt per order, however often the event is redelivered or
 * replayed. The worker delivers it over SMTP, or in sandbox mode keeps it in the admin console's Emails (/admin/emails) (see
 * README, "Webhooks, the worker and email").
 */
export async function queueReceipt(tx: Transaction, order: typeof orders.$inferSelect): Promise<void> {
  const lines = await tx.select().from(orderItems).where(eq(orderItems.orderId, order.id)).orderBy(asc(orderItems.description));
  const total = formatMoney({ amount: order.amountTotal, currency: order.currency });
  const text = [
    `Thank you for your order #${order.number}.`,
    '',
    ...lines.map((line) => `${line.quantity} × ${line.description}  ${formatMoney({ amount: line.amountTotal, currency: line.currency })}`),
    '',
    `Total paid: ${total}`,
    '',
    'Billfold',
  ].join('\n');
  await queueEmail(tx, { kind: 'receipt', ref: order.id, to: order.email, subject: `Your receipt for order #${order.number} (${total})`, text });
}
