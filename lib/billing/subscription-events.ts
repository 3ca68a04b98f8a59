import { and, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import type { Transaction } from '@/db/client';
import { customers, invoices, payments, prices, products, providerPrices, subscriptionSwitches, subscriptions } from '@/db/schema';
import { sendOnceInTransaction } from '@/lib/jobs/boss';
import { DISOWNED_SUBSCRIPTION_QUEUE, SUBSCRIPTION_SWITCH_QUEUE, type DisownedSubscriptionJob, type SubscriptionSwitchJob } from '@/lib/jobs/queues';
import { log } from '@/lib/log';
import { queueActionRequiredEmail, queuePaymentFailedEmail, queueTrialEndingEmail } from '@/lib/mail/subscription-emails';
import { money, MoneyError } from '@/lib/money';
import { PROVIDER_LABELS, type PaymentProviderName } from '@/lib/payments/types';
import type { ProviderCard, ProviderInvoice, ProviderPayment, ProviderPriceRef, ProviderSubscription, SubscriptionStatus } from '@/lib/payments/types';
import { NotYetKnownError } from './not-yet-known';
import { lockProviderPayments } from './payment-locks';
import { ENDED, LIVE_STATUSES, isLive } from './subscription-status';

/**
 * Subscriptions and their invoices as a provider reports them *now*: the worker re-fetches the
 * objects through the provider interface under the customer's lock (lockBillingCustomer, and
 * ./webhook-actions.ts) before building a change, so applying one is an upsert of the newest state, safe in any order and any number
 * of times. Emails that report a state (a failed renewal, a trial about to end) are queued in
 * the same transaction, once per (kind, ref).
 */
export interface SubscriptionChange {
  kind: 'subscription';
  /** The subscription concerned, when there is one (an invoice may have none). */
  subscription: ProviderSubscription | null;
  invoices: ProviderInvoice[];
  /** The provider announced the trial ending at this date (Stripe: `trial_will_end`). */
  trialEndingNotice?: Date;
}

/**
 * Serialises everything that changes one customer's billing state at the provider or here:
 * webhook applications and the subscription actions (subscribe, change, cancel) alike. One
 * lock per customer rather than per subscription, because an account's subscriptions depend
 * on each other (at most one live): replacing one and recording the other happen as one step.
 */
export async function lockBillingCustomer(tx: Transaction, provider: PaymentProviderName, providerCustomerId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`billing-customer:${provider}:${providerCustomerId}`}, 0))`);
}

async function customerRow(tx: Transaction, provider: PaymentProviderName, providerCustomerId: string) {
  const [row] = await tx
    .select()
    .from(customers)
    .where(and(eq(customers.provider, provider), eq(customers.providerCustomerId, providerCustomerId)));
  if (!row) throw new NotYetKnownError(`customer ${providerCustomerId} is not recorded yet`);
  return row;
}

/** Our price for the provider's: by the id recorded when we created it there, else by its lookup key. */
async function priceRow(tx: Transaction, provider: PaymentProviderName, price: ProviderPriceRef) {
  const byProviderId = eq(providerPrices.providerPriceId, price.id);
  const [row] = await tx
    .select({ price: prices, product: products })
    .from(prices)
    .innerJoin(products, eq(products.id, prices.productId))
    .leftJoin(providerPrices, and(eq(providerPrices.priceId, prices.id), eq(providerPrices.provider, provider)))
    .where(price.lookupKey ? or(byProviderId, eq(prices.lookupKey, price.lookupKey)) : byProviderId)
    .limit(1);
  if (!row) throw new Error(`${provider} price ${price.id} (${price.lookupKey ?? 'no lookup key'}) is not in the catalog`);
  return row;
}

/** What renewals are charged to: a card, or the provider account of the buyer who approved (brand: the provider's name). */
function paymentMethodColumns(subscription: ProviderSubscription) {
  const card = subscription.paymentMethod;
  const wallet = card ? null : subscription.wallet;
  return {
    providerPaymentMethodId: card?.id ?? wallet?.id ?? null,
    paymentMethodBrand: card?.brand ?? (wallet ? subscription.provider : null),
    paymentMethodLast4: card?.last4 ?? null,
    paymentMethodExpMonth: card?.expMonth ?? null,
    paymentMethodExpYear: card?.expYear ?? null,
    paymentMethodEmail: wallet?.email ?? null,
  };
}

type SubscriptionRow = typeof subscriptions.$inferSelect;

/** Renewals are collected from the buyer's account at the provider (PayPal's), not a card saved here (see paymentMethodColumns). */
export function paysWithWallet(row: Pick<SubscriptionRow, 'provider' | 'paymentMethodBrand' | 'paymentMethodLast4'>): boolean {
  return row.paymentMethodBrand === row.provider && !row.paymentMethodLast4;
}

/** The columns a provider's subscription sets: any of them differing is a change. */
const TRACKED = [
  subscriptions.status,
  subscriptions.priceId,
  subscriptions.quantity,
  subscriptions.currentPeriodStart,
  subscriptions.currentPeriodEnd,
  subscriptions.cancelAtPeriodEnd,
  subscriptions.cancelAt,
  subscriptions.canceledAt,
  subscriptions.endedAt,
  subscriptions.trialStart,
  subscriptions.trialEnd,
  subscriptions.providerPaymentMethodId,
  subscriptions.paymentMethodBrand,
  subscriptions.paymentMethodLast4,
  subscriptions.paymentMethodExpMonth,
  subscriptions.paymentMethodExpYear,
  subscriptions.paymentMethodEmail,
  subscriptions.pendingPriceId,
  subscriptions.pendingChangeAt,
  subscriptions.providerScheduleId,
  subscriptions.latestProviderInvoiceId,
];

/**
 * The status to record: the provider's, except that a start Billfold gave up (lib/billing/
 * subscribe.ts: a PayPal approval never given, which PayPal cannot end) stays ended whatever the
 * provider reports later: still unstarted, or approved from a window left open, when the
 * disowned subscription job ends it and gives its money back. (A provider's own
 * incomplete_expired is final there.) Read under the customer's lock, so it cannot change before
 * the write.
 */
async function statusToRecord(tx: Transaction, subscription: ProviderSubscription): Promise<SubscriptionStatus> {
  return (await disowned(tx, subscription)) ?? subscription.status;
}

async function disowned(tx: Transaction, subscription: ProviderSubscription): Promise<'incomplete_expired' | null> {
  const [row] = await tx
    .select({ status: subscriptions.status })
    .from(subscriptions)
    .where(and(eq(subscriptions.provider, subscription.provider), eq(subscriptions.providerSubscriptionId, subscription.id)));
  return row?.status === 'incomplete_expired' ? row.status : null;
}

async function upsertSubscription(tx: Transaction, subscription: ProviderSubscription): Promise<SubscriptionRow> {
  const customer = await customerRow(tx, subscription.provider, subscription.customerId);
  if (!customer.userId) throw new Error(`subscription ${subscription.id} bills customer ${subscription.customerId}, who has no account`);
  const { price } = await priceRow(tx, subscription.provider, subscription.price);
  const pending = subscription.pendingChange ? await priceRow(tx, subscription.provider, subscription.pendingChange.price) : null;
  const status = await statusToRecord(tx, subscription);

  if (isLive(status)) {
    // The account's other live subscription has ended at the provider, but its end is not
    // recorded yet: its own event (queued too) records it, and this one is retried after.
    const [other] = await tx
      .select({ id: subscriptions.providerSubscriptionId })
      .from(subscriptions)
      .where(
        and(
          eq(subscriptions.userId, customer.userId),
          inArray(subscriptions.status, LIVE_STATUSES),
          ne(subscriptions.providerSubscriptionId, subscription.id),
        ),
      );
    if (other) throw new NotYetKnownError(`subscription ${subscription.id} is live, but ${other.id} is still recorded as the account's live one`);
  }

  const values = {
    status,
    priceId: price.id,
    quantity: subscription.quantity,
    currentPeriodStart: subscription.currentPeriodStart,
    currentPeriodEnd: subscription.currentPeriodEnd,
    cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
    cancelAt: subscription.cancelAt,
    canceledAt: subscription.canceledAt,
    endedAt: subscription.endedAt,
    trialStart: subscription.trialStart,
    trialEnd: subscription.trialEnd,
    ...paymentMethodColumns(subscription),
    pendingPriceId: pending?.price.id ?? null,
    pendingChangeAt: subscription.pendingChange?.effectiveAt ?? null,
    providerScheduleId: subscription.changeCarrierId,
    latestProviderInvoiceId: subscription.latestInvoiceId,
    providerUpdatedAt: sql`now()`,
    updatedAt: sql`now()`,
  };
  const [row] = await tx
    .insert(subscriptions)
    .values({
      ...values,
      userId: customer.userId,
      customerId: customer.id,
      provider: subscription.provider,
      providerSubscriptionId: subscription.id,
      providerCreatedAt: subscription.created,
    })
    .onConflictDoUpdate({
      target: [subscriptions.provider, subscriptions.providerSubscriptionId],
      set: values,
      // A re-fetch that finds the subscription as it was writes nothing, so `updated_at` moves
      // only with a real change: the actions' idempotency keys (changeKey) are versioned by it.
      setWhere: sql`(${sql.join(TRACKED, sql`, `)}) is distinct from (${sql.join(
        TRACKED.map((column) => sql.raw(`excluded.${column.name}`)),
        sql`, `,
      )})`,
    })
    .returning();
  if (row) return row;
  const [unchanged] = await tx
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.provider, subscription.provider), eq(subscriptions.providerSubscriptionId, subscription.id)));
  if (!unchanged) throw new Error(`subscription ${subscription.id} was not stored`);
  return unchanged;
}

/**
 * What the payments record says went back from the payment that collected `invoice` (a Stripe
 * PaymentIntent's refunds arrive as the payment's own events, applied by payment-events.ts);
 * 0 when that payment is not recorded as one (PayPal's sales) or in another currency.
 */
async function recordedPaymentRefund(tx: Transaction, invoice: ProviderInvoice): Promise<number> {
  const paymentId = invoice.payment?.id;
  if (!paymentId || invoice.status !== 'paid') return 0;
  const [row] = await tx
    .select({ amountRefunded: payments.amountRefunded })
    .from(payments)
    .where(and(eq(payments.provider, invoice.provider), eq(payments.providerPaymentId, paymentId), eq(payments.currency, invoice.amountPaid.currency)));
  return row?.amountRefunded ?? 0;
}

/**
 * What an invoice has given back, to record now: the most any read has said (this one, the
 * payment's own record, the row already kept), never more than was paid. Refunds only add up,
 * so a redelivered, stale or out-of-order report can never lower it. (A Stripe refund that later
 * fails returns the money to the merchant; this keeps it counted as refunded, the price of never
 * going backwards on a stale read.)
 */
function refundedToRecord(invoice: ProviderInvoice, recorded: number): number {
  const reported = invoice.amountRefunded?.amount ?? 0;
  return Math.min(invoice.amountPaid.amount, Math.max(reported, recorded));
}

async function upsertInvoice(tx: Transaction, invoice: ProviderInvoice, subscriptionRowId: string | null): Promise<typeof invoices.$inferSelect> {
  const customer = await customerRow(tx, invoice.provider, invoice.customerId);
  if (invoice.amountRefunded && invoice.amountRefunded.currency !== invoice.amountPaid.currency) {
    throw new MoneyError(`invoice ${invoice.id} refunded ${invoice.amountRefunded.currency} from a payment in ${invoice.amountPaid.currency}`);
  }
  const values = {
    subscriptionId: subscriptionRowId,
    number: invoice.number,
    status: invoice.status,
    currency: invoice.amountDue.currency,
    amountDue: invoice.amountDue.amount,
    amountPaid: invoice.amountPaid.amount,
    amountRemaining: invoice.amountRemaining.amount,
    hostedInvoiceUrl: invoice.hostedInvoiceUrl,
    invoicePdf: invoice.invoicePdf,
    periodStart: invoice.periodStart,
    periodEnd: invoice.periodEnd,
    dueDate: invoice.dueDate,
    paidAt: invoice.paidAt,
    billingReason: invoice.billingReason,
    attemptCount: invoice.attemptCount,
    nextPaymentAttempt: invoice.nextPaymentAttempt,
    paymentStatus: invoice.payment?.status ?? null,
    providerPaymentId: invoice.payment?.id ?? null,
    amountRefunded: refundedToRecord(invoice, await recordedPaymentRefund(tx, invoice)),
    providerUpdatedAt: sql`now()`,
    updatedAt: sql`now()`,
  };
  const [row] = await tx
    .insert(invoices)
    .values({ ...values, customerId: customer.id, provider: invoice.provider, providerInvoiceId: invoice.id, providerCreatedAt: invoice.created })
    .onConflictDoUpdate({
      target: [invoices.provider, invoices.providerInvoiceId],
      set: {
        ...values,
        providerPaymentId: sql`coalesce(excluded.provider_payment_id, ${invoices.providerPaymentId})`,
        amountRefunded: sql`least(excluded.amount_paid, greatest(excluded.amount_refunded, ${invoices.amountRefunded}))`,
      },
    })
    .returning();
  if (!row) throw new Error(`invoice ${invoice.id} was not stored`);
  return row;
}

/**
 * Refunds of payments that collected invoices, reported as the payments' own (Stripe's
 * `charge.refunded`, `refund.*`): each paid invoice a payment collected shows what the payment has
 * given back, only ever more, never more than was paid. Called under those payments' locks, which
 * the invoices' own upserts take too (applySubscriptionChange), so whichever writes second sees
 * the other's: an invoice first recorded after this ran reads the payment's record instead.
 */
export async function recordInvoicePaymentRefunds(tx: Transaction, refunded: ProviderPayment[]): Promise<void> {
  if (refunded.length === 0) return;
  const input = refunded.map((payment) => ({ provider: payment.provider, payment_id: payment.id, currency: payment.amountRefunded.currency, amount: payment.amountRefunded.amount }));
  await tx.execute(sql`
    update ${invoices} set amount_refunded = least(${invoices.amountPaid}, input.amount), updated_at = now()
    from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as input(provider payment_provider, payment_id text, currency text, amount bigint)
    where ${invoices.provider} = input.provider and ${invoices.providerPaymentId} = input.payment_id and ${invoices.currency} = input.currency
      and ${invoices.status} = 'paid' and ${invoices.amountRefunded} < least(${invoices.amountPaid}, input.amount)`);
}

/** The payments whose refunds an invoice may show: locked before the invoices are written (see recordInvoicePaymentRefunds). */
async function lockInvoicePayments(tx: Transaction, list: ProviderInvoice[]): Promise<void> {
  await lockProviderPayments(
    tx,
    list.filter((invoice) => invoice.status === 'paid' && invoice.payment).map((invoice) => ({ provider: invoice.provider, providerPaymentId: invoice.payment!.id })),
  );
}

/** The subscription row an invoice belongs to: the one just written, or one recorded before. */
async function subscriptionRowOf(tx: Transaction, invoice: ProviderInvoice, written: SubscriptionRow | null): Promise<SubscriptionRow | null> {
  if (!invoice.subscriptionId) return null;
  if (written?.providerSubscriptionId === invoice.subscriptionId) return written;
  const [row] = await tx
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.provider, invoice.provider), eq(subscriptions.providerSubscriptionId, invoice.subscriptionId)));
  if (!row) throw new NotYetKnownError(`invoice ${invoice.id} is for subscription ${invoice.subscriptionId}, which is not recorded yet`);
  return row;
}

async function planName(tx: Transaction, priceId: string): Promise<string> {
  const [row] = await tx.select({ name: products.name }).from(prices).innerJoin(products, eq(products.id, prices.productId)).where(eq(prices.id, priceId));
  return row?.name ?? 'Billfold';
}

/**
 * A subscription the account's move to another provider started (provider-switch.ts): its first
 * payment is taken by the worker, with nobody on a page to see it fail. Asked while the worker
 * records it (the move still `scheduled`, naming no subscription yet) or later.
 */
async function movedHere(tx: Transaction, subscription: SubscriptionRow): Promise<boolean> {
  const [move] = await tx
    .select({ id: subscriptionSwitches.id })
    .from(subscriptionSwitches)
    .where(
      and(
        eq(subscriptionSwitches.userId, subscription.userId),
        eq(subscriptionSwitches.toProvider, subscription.provider),
        or(eq(subscriptionSwitches.toSubscriptionId, subscription.id), and(isNull(subscriptionSwitches.toSubscriptionId), eq(subscriptionSwitches.status, 'scheduled'))),
      ),
    )
    .limit(1);
  return move !== undefined;
}

/**
 * Dunning: a renewal the provider could not collect. Only subscriptions that are behind
 * (`past_due`, `unpaid`) or renewing are told by email, and the first payment of one a move to
 * another provider started (the worker took it); any other first payment that fails is shown
 * to the subscriber on the page they are paying on.
 */
async function sendInvoiceNotices(tx: Transaction, invoice: ProviderInvoice, subscription: SubscriptionRow | null): Promise<void> {
  if (!subscription || invoice.status !== 'open' || invoice.amountRemaining.amount === 0 || !invoice.payment) return;
  if (subscription.status === 'incomplete_expired') return;
  const firstPayment = subscription.status === 'incomplete';
  if (firstPayment && !(await movedHere(tx, subscription))) return;
  const [customer] = await tx.select({ email: customers.email }).from(customers).where(eq(customers.id, subscription.customerId));
  if (!customer) return;
  const notice = {
    firstPayment,
    to: customer.email,
    invoiceId: invoice.id,
    attempt: invoice.attemptCount,
    planName: await planName(tx, subscription.priceId),
    amountDue: invoice.amountRemaining,
    nextAttempt: invoice.nextPaymentAttempt,
    // A wallet at the provider (PayPal) is fixed there, not by a new card here.
    collectedBy: paysWithWallet(subscription) ? PROVIDER_LABELS[subscription.provider] : null,
  };
  if (invoice.payment.status === 'requires_action') await queueActionRequiredEmail(tx, notice);
  else if (invoice.payment.status === 'requires_payment_method' && invoice.payment.failureMessage !== null && invoice.attemptCount > 0) {
    await queuePaymentFailedEmail(tx, notice);
  }
}

async function sendTrialNotice(tx: Transaction, row: SubscriptionRow, trialEnd: Date): Promise<void> {
  // The notice is about the trial as it still is: ended, canceled or moved trials get none.
  if (row.status !== 'trialing' || row.trialEnd?.getTime() !== trialEnd.getTime() || row.cancelAtPeriodEnd) return;
  await tx.update(subscriptions).set({ trialEndingNoticeFor: trialEnd }).where(eq(subscriptions.id, row.id));
  const [details] = await tx
    .select({ email: customers.email, name: products.name, amount: prices.amount, currency: prices.currency })
    .from(subscriptions)
    .innerJoin(customers, eq(customers.id, subscriptions.customerId))
    .innerJoin(prices, eq(prices.id, sql`coalesce(${subscriptions.pendingPriceId}, ${subscriptions.priceId})`))
    .innerJoin(products, eq(products.id, prices.productId))
    .where(eq(subscriptions.id, row.id));
  if (!details) return;
  await queueTrialEndingEmail(tx, {
    to: details.email,
    subscriptionId: row.id,
    planName: details.name,
    trialEnd,
    charge: money(details.amount * row.quantity, details.currency),
    cardLast4: row.paymentMethodLast4,
  });
}

/** Applies a subscription and its invoices, as the provider holds them now. */
export async function applySubscriptionChange(tx: Transaction, change: SubscriptionChange): Promise<void> {
  if (change.subscription && (await waitsForPredecessor(tx, change.subscription))) return;
  const row = change.subscription ? await upsertSubscription(tx, change.subscription) : null;
  if (row && change.subscription && row.status === 'incomplete_expired' && startedAtProvider(change.subscription)) await queueDisownedJob(tx, row);
  await lockInvoicePayments(tx, change.invoices);
  for (const invoice of change.invoices) {
    const owner = await subscriptionRowOf(tx, invoice, row);
    await upsertInvoice(tx, invoice, owner?.id ?? null);
    await sendInvoiceNotices(tx, invoice, owner);
  }
  if (row && change.trialEndingNotice) await sendTrialNotice(tx, row, change.trialEndingNotice);
  if (row && ENDED.includes(row.status)) await startScheduledSwitch(tx, row);
}

/** The provider took the buyer's approval or first payment: it bills, or has billed. */
function startedAtProvider(subscription: ProviderSubscription): boolean {
  return subscription.status !== 'incomplete' && subscription.status !== 'incomplete_expired' && subscription.status !== 'canceled';
}

/**
 * A subscription Billfold gave up that the provider now says started (the buyer approved it in a
 * window left open after choosing otherwise): the account must not pay for it, so a job ends it
 * at the provider and refunds what it took.
 */
async function queueDisownedJob(tx: Transaction, row: SubscriptionRow): Promise<void> {
  const job: DisownedSubscriptionJob = { subscriptionId: row.id };
  const sent = await sendOnceInTransaction(tx, DISOWNED_SUBSCRIPTION_QUEUE, job, 'subscriptionId');
  if (sent === 'queued') log.warn({ subscriptionId: row.id, provider: row.provider, providerSubscriptionId: row.providerSubscriptionId }, 'a subscription given up was approved later: ending it and refunding its payments');
  if (sent === 'missing_queue') log.error({ subscriptionId: row.id }, 'a subscription given up was approved later, but its queue does not exist: the database was not migrated with this release');
}

/**
 * A subscription that ended with a move to another provider scheduled (provider-switch.ts):
 * the job that starts the new one is queued with the change that reports the end. A move the
 * subscriber undid is not scheduled: its subscription just ends.
 */
async function startScheduledSwitch(tx: Transaction, row: SubscriptionRow): Promise<void> {
  const [scheduled] = await tx
    .select({ id: subscriptionSwitches.id })
    .from(subscriptionSwitches)
    .where(and(eq(subscriptionSwitches.fromSubscriptionId, row.id), eq(subscriptionSwitches.status, 'scheduled')));
  if (scheduled) await queueSwitchJob(tx, scheduled.id);
}

/**
 * Queues the move's job, unless one is already waiting. A running one does not count: it may be
 * confirming an approval and done before this change (an end) commits, so another run follows;
 * runs are idempotent under the account's lock.
 */
async function queueSwitchJob(tx: Transaction, switchId: string): Promise<void> {
  const job: SubscriptionSwitchJob = { switchId };
  if ((await sendOnceInTransaction(tx, SUBSCRIPTION_SWITCH_QUEUE, job, 'switchId')) === 'missing_queue') {
    log.error({ switchId }, 'a subscription switch is due, but its queue does not exist: the database was not migrated with this release');
  }
}

/**
 * A subscription made to take over from the account's live one when its paid period ends (a
 * move to PayPal, approved by the buyer and billing only from then): not recorded while the old
 * one lives, so the account keeps one live subscription. Its approval, reported here before the
 * browser did (or if it never does), is handed to the move's job to confirm. Once the old one has
 * ended it is recorded like every other; so is one whose move the subscriber called off (undone:
 * cancelled at its provider, it never takes over).
 */
async function waitsForPredecessor(tx: Transaction, subscription: ProviderSubscription): Promise<boolean> {
  const [found] = await tx
    .select({ id: subscriptionSwitches.id, status: subscriptionSwitches.status, fromStatus: subscriptions.status })
    .from(subscriptionSwitches)
    .innerJoin(subscriptions, eq(subscriptions.id, subscriptionSwitches.fromSubscriptionId))
    .where(and(eq(subscriptionSwitches.toProvider, subscription.provider), eq(subscriptionSwitches.toProviderSubscriptionId, subscription.id)));
  if (!found || found.status === 'started' || found.status === 'undone' || !isLive(found.fromStatus)) return false;
  const approved = subscription.status !== 'incomplete' && !ENDED.includes(subscription.status);
  if (found.status === 'awaiting_approval' && approved) await queueSwitchJob(tx, found.id);
  // Ended before it could start (cancelled at its provider): the job calls the move off.
  if (found.status === 'scheduled' && ENDED.includes(subscription.status)) await queueSwitchJob(tx, found.id);
  return true;
}

/**
 * Whether a paid invoice's card should become the default: the subscriber gave it to pay this
 * invoice (it was set up for future use) and it is newer than the card on file, so a late
 * event about an older payment never undoes a card changed since.
 */
export function adoptsInvoiceCard(invoice: ProviderInvoice, currentDefault: ProviderCard | null): ProviderCard | null {
  const card = invoice.payment?.card;
  if (invoice.status !== 'paid' || !invoice.payment?.savesCard || !card) return null;
  if (currentDefault && (currentDefault.id === card.id || currentDefault.created.getTime() > card.created.getTime())) return null;
  return card;
}
