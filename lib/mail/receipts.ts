import { asc, eq } from 'drizzle-orm';
import type { Transaction } from '@/db/client';
import { emails, orderItems, type orders } from '@/db/schema';
import { formatMoney } from '@/lib/money';

/**
 * Writes the receipt of a paid order to the outbox, in the transaction that marked it paid:
 * `(kind, ref)` is unique, so a redelivered or replayed event never sends a second one.
 * In sandbox mode the outbox is where email ends (/dev/outbox); a production mailer sends
 * what is unsent (see README, "Email").
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
  await tx
    .insert(emails)
    .values({ kind: 'receipt', ref: order.id, to: order.email, subject: `Your receipt for order #${order.number} (${total})`, text })
    .onConflictDoNothing({ target: [emails.kind, emails.ref] });
}
