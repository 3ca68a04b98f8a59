import { and, eq, gte, inArray, lt, ne, notInArray, or, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { disputes, payments, reconciliationFindings, reconciliationRuns, refunds, subscriptions } from '@/db/schema';
import { log } from '@/lib/log';
import type { ListingPage, ListingWindow, PaymentProvider, ProviderListing, ReconciliationApi } from '@/lib/payments/provider';
import { PaymentProviderUnavailableError, type PaymentProviderName, type ProviderDispute, type ProviderPayment, type ProviderRefund, type ProviderSubscription, type SubscriptionStatus, type WebhookAction } from '@/lib/payments/types';
import { applyBillingChange, type BillingChange } from './payment-events';
import { webhookEffect } from './webhook-actions';

/**
 * Reconciliation: what a provider holds for Billfold, made in a window, against Billfold's rows.
 * Webhooks get lost (a provider gives up after days of failures, an endpoint was misconfigured)
 * and objects change without one (a refund in the provider's dashboard during an outage), so
 * once a day, or when an admin asks, every object is compared. Drift is first handed to the
 * path a webhook takes (webhookEffect: a re-fetch applied under the object's lock), so a healed
 * object is exactly what its lost event would have made it; what still differs after that is
 * an open finding, with what an operator should do.
 */

export type FindingKind = (typeof reconciliationFindings.$inferInsert)['kind'];
export type ObjectType = (typeof reconciliationFindings.$inferInsert)['objectType'];

/** One side of a comparison: minor units and currency (where the object has an amount) and status; a payment's money moved too. */
interface Side {
  amount: number | null;
  currency: string | null;
  status: string;
  captured?: number;
  refunded?: number;
}

interface Drift {
  kind: FindingKind;
  ours: Side | null;
  theirs: Side | null;
}

export interface ReconciliationReport {
  runId: string | null;
  provider: PaymentProviderName;
  /** `already_running`: another run of this provider holds it; nothing was compared. */
  outcome: 'succeeded' | 'already_running';
  compared: number;
  healed: number;
  open: number;
  /** Objects with drift the provider failed to answer for: compared again by the next run. */
  unreadable: number;
}

/** A run that did not finish in this long is taken to have died with its process. */
const STALE_RUN = '1 hour';

/** What an operator does about drift the webhook path could not heal. */
const WHAT_TO_DO: Record<FindingKind, Record<ObjectType, string>> = {
  missing_here: {
    payment: 'The provider has a payment for one of our orders that could not be recorded (its order may be gone). Look it up in the provider dashboard; refund it if no order stands behind it.',
    refund: 'The provider has a refund we could not record. Check the payment in the provider dashboard, then re-process its last webhook from Webhooks.',
    dispute: 'The provider has a dispute for a payment we have not recorded. Answer it in the provider dashboard before its deadline.',
    subscription: 'The provider bills a subscription we could not record (its customer or plan is unknown here). Cancel it at the provider if nobody here owns it.',
  },
  missing_there: {
    payment: 'We have a payment the provider does not know. If the order shows paid, check the money arrived before shipping; otherwise the row is a leftover and the order can be canceled.',
    refund: 'We have a refund the provider does not know. Check whether the customer got their money back; refund again from the payment if not.',
    dispute: 'We have a dispute the provider does not know. Check the payment in the provider dashboard.',
    subscription: 'We have a subscription the provider does not know: the subscriber may have access without paying. Check the account and end the subscription here.',
  },
  amount_differs: {
    payment: 'Our amounts differ from the provider’s even after re-reading it. Compare the payment in the provider dashboard with its order before acting.',
    refund: 'The refund’s amount differs from the provider’s even after re-reading it. Compare it in the provider dashboard.',
    dispute: 'The disputed amount differs from the provider’s even after re-reading it. Compare it in the provider dashboard.',
    subscription: 'The subscription differs from the provider’s even after re-reading it. Compare it in the provider dashboard.',
  },
  status_differs: {
    payment: 'The payment’s status differs from the provider’s even after re-reading it. Check the provider dashboard, then re-process its last webhook from Webhooks.',
    refund: 'The refund’s status differs from the provider’s even after re-reading it. Check the provider dashboard.',
    dispute: 'The dispute’s status differs from the provider’s even after re-reading it. Check the provider dashboard before its deadline.',
    subscription: 'The subscription’s status differs from the provider’s even after re-reading it: access may be wrong. Check it in the provider dashboard.',
  },
};

const HEALED = 'Applied the provider’s current object through the webhook path; ours now matches.';

function sideOf(amount: number | null, currency: string | null, status: string): Side {
  return { amount, currency: currency?.toUpperCase() ?? null, status };
}

/**
 * The drift between our side and theirs, or null when they agree: the amount, then the status,
 * then the money a payment moved (a lost success is a status drift, a silent refund an amount drift).
 */
function driftBetween(ours: Side | null, theirs: Side | null): Drift | null {
  if (!ours && !theirs) return null;
  if (!ours) return { kind: 'missing_here', ours, theirs };
  if (!theirs) return { kind: 'missing_there', ours, theirs };
  if (ours.amount !== theirs.amount || ours.currency !== theirs.currency) return { kind: 'amount_differs', ours, theirs };
  if (ours.status !== theirs.status) return { kind: 'status_differs', ours, theirs };
  if (ours.captured !== theirs.captured || ours.refunded !== theirs.refunded) return { kind: 'amount_differs', ours, theirs };
  return null;
}

function paymentSide(payment: { amount: number; amountCaptured: number; amountRefunded: number; currency: string; status: string }): Side {
  return { ...sideOf(payment.amount, payment.currency, payment.status), captured: payment.amountCaptured, refunded: payment.amountRefunded };
}

/** How one object type is read on both sides and healed. */
interface Comparison<T> {
  type: ObjectType;
  idOf(item: T): string;
  ours(db: Database, provider: PaymentProviderName, id: string): Promise<Side | null>;
  theirs(item: T): Side;
  /** The webhook action a lost event about it would have been classified as. */
  action(item: T): WebhookAction;
  /** The object as the heal's re-fetch found it. */
  fresh(change: BillingChange, id: string): T | null;
  list: (listing: ProviderListing) => (window: ListingWindow, cursor: string | null) => Promise<ListingPage<T>>;
  /** Re-reads one object of ours that no listing showed; null when the provider has no such object. */
  find: ((api: ReconciliationApi, id: string) => Promise<T | null>) | null;
}

const PAYMENTS: Comparison<ProviderPayment> = {
  type: 'payment',
  idOf: (payment) => payment.id,
  async ours(db, provider, id) {
    const [row] = await db.select().from(payments).where(and(eq(payments.provider, provider), eq(payments.providerPaymentId, id)));
    return row ? paymentSide(row) : null;
  },
  theirs: (payment) =>
    paymentSide({ amount: payment.amount.amount, amountCaptured: payment.amountCaptured.amount, amountRefunded: payment.amountRefunded.amount, currency: payment.amount.currency, status: payment.status }),
  action: (payment) => ({ kind: 'payment', paymentId: payment.id }),
  fresh: (change) => (change.kind === 'payment' ? change.payment : null),
  list: (listing) => listing.listPayments.bind(listing),
  find: (api, id) => api.findPayment(id),
};

const REFUNDS: Comparison<ProviderRefund> = {
  type: 'refund',
  idOf: (refund) => refund.id,
  async ours(db, provider, id) {
    const [row] = await db.select().from(refunds).where(and(eq(refunds.provider, provider), eq(refunds.providerRefundId, id)));
    return row ? sideOf(row.amount, row.currency, row.status) : null;
  },
  theirs: (item) => sideOf(item.amount.amount, item.amount.currency, item.status),
  action: (refund) => ({ kind: 'refund', paymentId: refund.paymentId, refundId: refund.id }),
  fresh: (change, id) => (change.kind === 'payment' ? (change.refunds?.find((refund) => refund.id === id) ?? null) : null),
  list: (listing) => listing.listRefunds.bind(listing),
  // Re-read with their payment (a payment's re-read compares its refunded amount).
  find: null,
};

const DISPUTES: Comparison<ProviderDispute> = {
  type: 'dispute',
  idOf: (dispute) => dispute.id,
  async ours(db, provider, id) {
    const [row] = await db.select().from(disputes).where(and(eq(disputes.provider, provider), eq(disputes.providerDisputeId, id)));
    return row ? sideOf(row.amount, row.currency, row.status) : null;
  },
  theirs: (item) => sideOf(item.amount.amount, item.amount.currency, item.status),
  action: (dispute) => ({ kind: 'dispute', paymentId: dispute.paymentId, disputeId: dispute.id }),
  fresh: (change) => (change.kind === 'dispute' ? change.dispute : null),
  list: (listing) => listing.listDisputes.bind(listing),
  find: null,
};

/** Subscriptions have no amount of their own here (their price's is the catalog's): status only. */
const SUBSCRIPTIONS: Comparison<ProviderSubscription> = {
  type: 'subscription',
  idOf: (subscription) => subscription.id,
  async ours(db, provider, id) {
    const [row] = await db.select().from(subscriptions).where(and(eq(subscriptions.provider, provider), eq(subscriptions.providerSubscriptionId, id)));
    return row ? sideOf(null, null, row.status) : null;
  },
  theirs: (subscription) => sideOf(null, null, subscription.status),
  action: (subscription) => ({ kind: 'subscription', customerId: subscription.customerId, subscriptionId: subscription.id }),
  fresh: (change) => (change.kind === 'subscription' ? change.subscription : null),
  list: (listing) => listing.listSubscriptions.bind(listing),
  find: (api, id) => api.findSubscription(id),
};

interface RunContext {
  db: Database;
  provider: PaymentProvider;
  api: ReconciliationApi;
  runId: string;
  /** `<type>:<provider id>` of every object compared in this run. */
  compared: Set<string>;
  healed: number;
  open: number;
  unreadable: number;
}

async function recordFinding(run: RunContext, type: ObjectType, id: string, drift: Drift, healed: boolean, theirsAfter: Side | null): Promise<void> {
  const theirs = theirsAfter ?? drift.theirs;
  const values = {
    runId: run.runId,
    lastSeenRunId: run.runId,
    provider: run.provider.name,
    kind: drift.kind,
    objectType: type,
    providerObjectId: id,
    oursAmount: drift.ours?.amount ?? null,
    oursCurrency: drift.ours?.currency ?? null,
    oursStatus: drift.ours?.status ?? null,
    oursRefunded: drift.ours?.refunded ?? null,
    theirsAmount: theirs?.amount ?? null,
    theirsCurrency: theirs?.currency ?? null,
    theirsStatus: theirs?.status ?? null,
    theirsRefunded: theirs?.refunded ?? null,
    healed,
    action: healed ? HEALED : WHAT_TO_DO[drift.kind][type],
  };
  if (healed) {
    run.healed += 1;
    await run.db.insert(reconciliationFindings).values(values);
    log.info({ provider: run.provider.name, objectType: type, providerObjectId: id, kind: drift.kind, runId: run.runId }, 'reconciliation healed drift through the webhook path');
    return;
  }
  run.open += 1;
  // Seen again by a later run, an open finding stays one row: the run that saw it last, and the values it saw.
  const { runId: _, ...seen } = values;
  await run.db
    .insert(reconciliationFindings)
    .values(values)
    .onConflictDoUpdate({
      target: [reconciliationFindings.provider, reconciliationFindings.objectType, reconciliationFindings.providerObjectId],
      targetWhere: sql`not ${reconciliationFindings.healed} and ${reconciliationFindings.resolvedAt} is null`,
      set: seen,
    });
  log.warn({ provider: run.provider.name, objectType: type, providerObjectId: id, kind: drift.kind, runId: run.runId }, 'reconciliation found drift the webhook path does not heal');
}

/**
 * Compares one provider object with our row; drift goes through the webhook path, and what the
 * re-fetch found is compared again with what that left in our row.
 */
async function reconcileObject<T>(run: RunContext, comparison: Comparison<T>, theirs: T): Promise<void> {
  const id = comparison.idOf(theirs);
  run.compared.add(`${comparison.type}:${id}`);
  const drift = driftBetween(await comparison.ours(run.db, run.provider.name, id), comparison.theirs(theirs));
  if (!drift) return;
  const effect = webhookEffect(run.provider, comparison.action(theirs));
  let fresh: T | null = null;
  try {
    await applyBillingChange(run.db, effect.key, async () => {
      const change = await effect.refetch();
      fresh = comparison.fresh(change, id);
      return change;
    });
  } catch (error) {
    // The provider failing for this object says nothing about it: nothing is recorded, and the
    // next run compares it again. The rest of the run goes on.
    if (error instanceof PaymentProviderUnavailableError) {
      run.unreadable += 1;
      log.warn({ err: error, provider: run.provider.name, objectType: comparison.type, providerObjectId: id }, 'reconciliation could not re-read an object: the next run compares it again');
      return;
    }
    // Not healable this way (the order it names is gone, a subscription of a customer we do not
    // know): that is what the open finding reports.
    log.warn({ err: error, provider: run.provider.name, objectType: comparison.type, providerObjectId: id }, 'reconciliation could not apply the provider object');
  }
  const theirsNow = comparison.theirs(fresh ?? theirs);
  const after = driftBetween(await comparison.ours(run.db, run.provider.name, id), theirsNow);
  await recordFinding(run, comparison.type, id, after ?? drift, after === null, theirsNow);
}

async function reconcileListed<T>(run: RunContext, listing: ProviderListing, comparison: Comparison<T>, window: ListingWindow): Promise<void> {
  const list = comparison.list(listing);
  let cursor: string | null = null;
  do {
    const page: ListingPage<T> = await list(window, cursor);
    for (const item of page.items) await reconcileObject(run, comparison, item);
    cursor = page.next;
  } while (cursor);
}

/** A subscription in one of these will not change again: the rest are live, and re-read on every run. */
const ENDED_SUBSCRIPTION_STATUSES: SubscriptionStatus[] = ['canceled', 'incomplete_expired'];

/** Our rows of a type made in the window (subscriptions: and every live one), by their provider ids. */
const OUR_ROWS: Partial<Record<ObjectType, (db: Database, provider: PaymentProviderName, window: ListingWindow) => Promise<string[]>>> = {
  payment: async (db, provider, window) =>
    (
      await db
        .select({ id: payments.providerPaymentId })
        .from(payments)
        .where(and(eq(payments.provider, provider), gte(payments.createdAt, window.from), lt(payments.createdAt, window.to)))
    ).map((row) => row.id),
  // Every live subscription as well as those made in the window: one made months ago can be
  // canceled at the provider without an event, and a provider lists subscriptions by creation
  // (Stripe) or by their payments (PayPal), so no listing of a recent window shows it.
  subscription: async (db, provider, window) =>
    (
      await db
        .select({ id: subscriptions.providerSubscriptionId })
        .from(subscriptions)
        .where(
          and(
            eq(subscriptions.provider, provider),
            or(and(gte(subscriptions.createdAt, window.from), lt(subscriptions.createdAt, window.to)), notInArray(subscriptions.status, ENDED_SUBSCRIPTION_STATUSES)),
          ),
        )
    ).map((row) => row.id),
};

/**
 * Our rows made in the window (and live subscriptions of any age) that no listing showed (all of
 * them, at a provider that cannot list): each is re-read on its own (it may have been made at the provider just outside the
 * window); one the provider does not have at all is missing there, which no webhook could ever
 * have told us.
 */
async function reconcileUnlisted<T>(run: RunContext, comparison: Comparison<T>, window: ListingWindow): Promise<void> {
  const ours = OUR_ROWS[comparison.type];
  const find = comparison.find;
  if (!ours || !find) return;
  for (const id of await ours(run.db, run.provider.name, window)) {
    if (run.compared.has(`${comparison.type}:${id}`)) continue;
    const theirs = await find(run.api, id);
    if (theirs) {
      await reconcileObject(run, comparison, theirs);
      continue;
    }
    run.compared.add(`${comparison.type}:${id}`);
    const drift = driftBetween(await comparison.ours(run.db, run.provider.name, id), null);
    if (drift) await recordFinding(run, comparison.type, id, drift, false, null);
  }
}

/** Open findings about objects this run compared and found in agreement are resolved: the drift is gone. */
async function resolveAgreed(run: RunContext): Promise<void> {
  const open = await run.db
    .select({ id: reconciliationFindings.id, objectType: reconciliationFindings.objectType, providerObjectId: reconciliationFindings.providerObjectId })
    .from(reconciliationFindings)
    .where(and(eq(reconciliationFindings.provider, run.provider.name), eq(reconciliationFindings.healed, false), sql`${reconciliationFindings.resolvedAt} is null`, ne(reconciliationFindings.lastSeenRunId, run.runId)));
  const agreed = open.filter((finding) => run.compared.has(`${finding.objectType}:${finding.providerObjectId}`)).map((finding) => finding.id);
  if (agreed.length > 0) await run.db.update(reconciliationFindings).set({ resolvedAt: sql`now()` }).where(inArray(reconciliationFindings.id, agreed));
}

/** Claims the provider's one running run; null when another run holds it. A run left running by a dead process is failed first. */
async function startRun(db: Database, provider: PaymentProviderName, window: ListingWindow, requestedBy: string): Promise<string | null> {
  await db
    .update(reconciliationRuns)
    .set({ status: 'failed', error: 'did not finish (its process stopped)', finishedAt: sql`now()` })
    .where(and(eq(reconciliationRuns.provider, provider), eq(reconciliationRuns.status, 'running'), sql`${reconciliationRuns.startedAt} < now() - ${STALE_RUN}::interval`));
  const [run] = await db
    .insert(reconciliationRuns)
    .values({ provider, windowStart: window.from, windowEnd: window.to, requestedBy })
    .onConflictDoNothing()
    .returning({ id: reconciliationRuns.id });
  return run?.id ?? null;
}

/** How far back a run looks: three days, so a day or two of failed daily runs is still covered. */
const LOOKBACK_MS = 3 * 24 * 60 * 60 * 1000;
/** A scheduled run leaves objects younger than this to their webhooks, which are usually seconds behind. */
const SETTLING_MS = 10 * 60 * 1000;

/**
 * The window a run compares. The daily run stops short of the last minutes, so an object whose
 * webhook is simply on its way is not reported as healed drift; a run an admin asks for goes up
 * to now (they want to know now, and healing such an object does what its webhook will: nothing more).
 */
export function reconciliationWindow(now: Date, requested: 'schedule' | 'admin'): ListingWindow {
  return { from: new Date(now.getTime() - LOOKBACK_MS), to: new Date(now.getTime() - (requested === 'schedule' ? SETTLING_MS : 0)) };
}

export interface ReconcileRequest {
  window: ListingWindow;
  /** `schedule`, or the id of the admin who asked. */
  requestedBy: string;
}

/**
 * One reconciliation run of one provider over a window: payments, refunds, disputes and
 * subscriptions. Idempotent: a second run over the same window heals nothing more and adds no
 * open finding (one it saw before is the same row, seen again). One run at a time per provider.
 */
export async function reconcileProvider(deps: { db: Database; provider: PaymentProvider }, request: ReconcileRequest): Promise<ReconciliationReport> {
  const { db, provider } = deps;
  const api = provider.reconciliation;
  if (!api) throw new Error(`${provider.name} cannot be reconciled yet`);
  const runId = await startRun(db, provider.name, request.window, request.requestedBy);
  if (!runId) return { runId: null, provider: provider.name, outcome: 'already_running', compared: 0, healed: 0, open: 0, unreadable: 0 };
  const run: RunContext = { db, provider, api, runId, compared: new Set(), healed: 0, open: 0, unreadable: 0 };
  const reconcileAll = async <T>(comparison: Comparison<T>) => {
    if (api.listing) await reconcileListed(run, api.listing, comparison, request.window);
    await reconcileUnlisted(run, comparison, request.window);
  };
  try {
    // Payments first: a refund or dispute is applied to its payment, which must be recorded.
    await reconcileAll(PAYMENTS);
    await reconcileAll(REFUNDS);
    await reconcileAll(DISPUTES);
    if (provider.subscriptions) await reconcileAll(SUBSCRIPTIONS);
    await resolveAgreed(run);
  } catch (error) {
    await db
      .update(reconciliationRuns)
      .set({ status: 'failed', error: error instanceof Error ? error.message : String(error), objectsCompared: run.compared.size, healed: run.healed, open: run.open, unreadable: run.unreadable, finishedAt: sql`now()` })
      .where(eq(reconciliationRuns.id, runId));
    throw error;
  }
  await db
    .update(reconciliationRuns)
    .set({ status: 'succeeded', objectsCompared: run.compared.size, healed: run.healed, open: run.open, unreadable: run.unreadable, finishedAt: sql`now()` })
    .where(eq(reconciliationRuns.id, runId));
  return { runId, provider: provider.name, outcome: 'succeeded', compared: run.compared.size, healed: run.healed, open: run.open, unreadable: run.unreadable };
}
