import { and, asc, eq, gt, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Transaction } from '@/db/client';
import { customers, orders, payments } from '@/db/schema';
import { log } from '@/lib/log';
import { PaymentProviderUnavailableError, type PaymentProviderName, type ProviderPayment } from '@/lib/payments/types';
import { CHANGEABLE, tryLockOrderCheckout, type CheckoutDependencies } from './checkout';
import { notifyOrderChanged } from './order-changes';
import { PAYABLE_STATUSES, type Order } from './orders';

/**
 * Abandoned checkouts: an order still unpaid (`open` or `payment_failed`) with no checkout
 * activity for a while has been given up on, by the customer and now by the shop. Its payment
 * intents are canceled at the provider, so a stale tab or a remembered client secret can never
 * pay it, and the provider's `payment_intent.canceled` webhook then makes the order `canceled`
 * through the usual pipeline (payment-events.ts): the sweep never writes money state itself.
 */

export interface AbandonOptions {
  /** Hours since the order's last checkout activity (env CHECKOUT_ABANDON_AFTER_HOURS). */
  afterHours: number;
}

export interface AbandonReport {
  /** Orders whose payment intents were canceled; each becomes `canceled` when the webhook is applied. */
  ordersAbandoned: number;
  /** Orders that never reached the provider, marked `canceled` here. */
  ordersClosed: number;
  paymentsCanceled: number;
  /** Intents being paid (or paid) that the sweep left alone. */
  paymentsLeft: number;
  /** Orders skipped because a checkout of theirs was running: the customer is back. */
  ordersBusy: number;
  ordersFailed: number;
  /** The provider could not be reached; the rest waits for the next run. */
  interrupted: boolean;
}

type OrderOutcome = { kind: 'busy' } | { kind: 'active' } | { kind: 'closed' } | { kind: 'abandoned'; canceled: number; left: number };

const BATCH = 100;

/** Intents are listed from a little before the order was made: our clock and the provider's may differ. */
const CLOCK_MARGIN_MS = 60 * 60 * 1000;

/**
 * The order's last checkout activity is older than the age: the order itself (created, or
 * revised by checkout) and every payment of it (created by checkout, or changed by a webhook:
 * a confirmation, a decline, a 3-D Secure step).
 */
function staleSince(afterHours: number): SQL {
  const cutoff = sql`now() - make_interval(hours => ${afterHours}::int)`;
  const noRecentPayment = sql`not exists (select 1 from ${payments} where ${payments.orderId} = ${orders.id} and ${payments.updatedAt} >= ${cutoff})`;
  return and(inArray(orders.status, [...PAYABLE_STATUSES]), lt(orders.updatedAt, cutoff), noRecentPayment) as SQL;
}

/** The provider customers the order's intents can have been made for: the one it records, and its buyer's. */
async function providerCustomersOf(tx: Transaction, order: Order, provider: PaymentProviderName): Promise<string[]> {
  const buyer = order.userId ? eq(customers.userId, order.userId) : and(isNull(customers.userId), sql`lower(${customers.email}) = lower(${order.email})`);
  const rows = await tx
    .select({ providerCustomerId: customers.providerCustomerId })
    .from(customers)
    .where(and(eq(customers.provider, provider), order.customerId ? or(eq(customers.id, order.customerId), buyer) : buyer));
  return [...new Set(rows.map((row) => row.providerCustomerId))];
}

/**
 * Abandons one order, if it is still unpaid and still stale once its checkout lock is held.
 *
 * The lock is checkout's own (checkout.ts): a checkout that starts meanwhile waits until the
 * cancels are done and then finds them canceled (and makes a new intent); one that is running
 * already means the customer is here, so the order is skipped rather than waited for. The
 * lock is held across the provider calls of this one order only, never across the sweep, the
 * same as checkout holds it across its own calls; without it a checkout could hand out an
 * intent between the check and the cancel. No row is locked, so the webhook worker (which
 * locks a payment and then its order row) is never held up.
 */
async function abandonOrder(deps: CheckoutDependencies, orderId: string, options: AbandonOptions): Promise<OrderOutcome> {
  const provider = deps.payments;
  return deps.db.transaction(async (tx): Promise<OrderOutcome> => {
    if (!(await tryLockOrderCheckout(tx, orderId))) return { kind: 'busy' };
    const [order] = await tx.select().from(orders).where(and(eq(orders.id, orderId), staleSince(options.afterHours)));
    if (!order) return { kind: 'active' };

    const recorded = await tx.select().from(payments).where(eq(payments.orderId, order.id));
    // Intents the provider made but we never recorded (a crash between its answer and our
    // commit; a retried checkout with another cart gets a new key and leaves them behind)
    // carry the order id: they are found among the buyer's intents, so they are canceled too.
    const intents = new Map<string, ProviderPayment>();
    const createdSince = new Date(order.createdAt.getTime() - CLOCK_MARGIN_MS);
    for (const customerId of await providerCustomersOf(tx, order, provider.name)) {
      for (const intent of await provider.paymentsForOrder({ customerId, orderId: order.id, createdSince })) intents.set(intent.id, intent);
    }
    for (const payment of recorded) {
      if (payment.provider === provider.name && !intents.has(payment.providerPaymentId)) {
        intents.set(payment.providerPaymentId, await provider.retrievePayment(payment.providerPaymentId));
      }
    }

    if (recorded.length === 0 && intents.size === 0) {
      // Nothing at any provider can pay this order (it never got an intent: the provider was
      // unreachable at checkout), so no webhook will ever speak for it. Closing it here
      // touches no money state; it only stops the order showing as open for ever.
      const closed = await tx
        .update(orders)
        .set({ status: 'canceled', updatedAt: sql`now()` })
        .where(and(eq(orders.id, order.id), inArray(orders.status, [...PAYABLE_STATUSES])))
        .returning({ id: orders.id });
      if (closed.length > 0) await notifyOrderChanged(tx, order.id);
      return { kind: 'closed' };
    }

    let canceled = 0;
    let left = 0;
    for (const intent of intents.values()) {
      if (intent.status === 'canceled') continue;
      // Processing, authorised or paid: the customer has paid or is paying right now.
      if (!CHANGEABLE.includes(intent.status)) {
        left++;
        continue;
      }
      // Named after our order and the intent, so a second sweep (or a retry after a lost
      // answer) replays this cancel instead of making another.
      const result = await provider.cancelPayment(intent.id, 'abandoned', `order:${order.id}:abandon:${intent.id}`);
      if (result.outcome === 'canceled') canceled++;
      else left++; // paid between our read and the cancel: the customer won the race
    }
    return { kind: 'abandoned', canceled, left };
  });
}

/**
 * One sweep: every unpaid order whose last checkout activity is older than `afterHours`. Run
 * by the worker on a schedule (lib/jobs/worker.ts). Runs may overlap (a slow run and the next
 * one, two workers): the per-order lock and the deterministic cancel keys make that harmless.
 */
export async function abandonStaleCheckouts(deps: CheckoutDependencies, options: AbandonOptions): Promise<AbandonReport> {
  const report: AbandonReport = { ordersAbandoned: 0, ordersClosed: 0, paymentsCanceled: 0, paymentsLeft: 0, ordersBusy: 0, ordersFailed: 0, interrupted: false };
  let after: string | null = null;
  for (;;) {
    const batch: { id: string }[] = await deps.db
      .select({ id: orders.id })
      .from(orders)
      .where(and(staleSince(options.afterHours), after ? gt(orders.id, after) : undefined))
      .orderBy(asc(orders.id))
      .limit(BATCH);
    for (const { id } of batch) {
      let outcome: OrderOutcome;
      try {
        outcome = await abandonOrder(deps, id, options);
      } catch (error) {
        if (error instanceof PaymentProviderUnavailableError) {
          // Every other order would fail the same way (and slowly): the next run carries on.
          log.warn({ err: error.cause, provider: error.provider, orderId: id }, 'payment provider unavailable: abandoned checkouts wait for the next sweep');
          report.interrupted = true;
          return report;
        }
        log.error({ err: error, orderId: id }, 'could not abandon a stale checkout');
        report.ordersFailed++;
        continue;
      }
      if (outcome.kind === 'busy') report.ordersBusy++;
      else if (outcome.kind === 'closed') {
        report.ordersClosed++;
        log.info({ orderId: id }, 'abandoned checkout closed: it never reached the payment provider');
      } else if (outcome.kind === 'abandoned') {
        if (outcome.canceled > 0) report.ordersAbandoned++;
        report.paymentsCanceled += outcome.canceled;
        report.paymentsLeft += outcome.left;
        if (outcome.canceled > 0 || outcome.left > 0) log.info({ orderId: id, canceled: outcome.canceled, left: outcome.left }, 'abandoned checkout: payment intents canceled');
      }
    }
    if (batch.length < BATCH) break;
    after = batch[batch.length - 1]!.id;
  }
  return report;
}
