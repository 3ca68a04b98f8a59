import type http from 'node:http';
import { finishApproval, readApprovalForm, sendApprovalPage, type ApprovalView } from './approval-page';
import { describeFrequency } from './billing-cycles';
import { buyerByEmail, type TestBuyer } from './buyers';
import type { PaypalContext } from './context';
import { paypalTime } from './ids';
import type { PaypalPage, PaypalServices } from './parts';
import { PLAN, type PlanRecord } from './plans';
import { activateSubscription, freshExecutions, raiseSubscriptionEvent, withStatus } from './subscription-billing';
import { currentPriceVersions, cyclePrice, merchantOf, paymentPreferences, SUBSCRIPTION, subscriptionNow, type ApprovalRequest, type SubscriptionRecord } from './subscription-resource';
import { paypalMoney } from './money';

/**
 * PayPal's subscription consent pages: `/webapps/billing/subscriptions?ba_token=` (the `approve`
 * link of a new subscription) and `/webapps/billing/subscriptions/update?ba_token=` (the one a
 * revise answers). The buyer logs in as a test buyer and agrees: a new subscription becomes
 * ACTIVE (or APPROVED, with `user_action: CONTINUE`), a revision takes effect. A buyer whose
 * funding PayPal refuses (`declined@`, `refused@`) cannot agree, as PayPal asks for another way
 * to pay before the subscription exists.
 *
 * A new subscription's page also answers to `?subscription_id=`, which is how the JS SDK
 * stand-in opens it: a v6 subscription session knows only the subscription id (PayPal finds the
 * consent itself). The id stands for its pending approval's ba_token only while the
 * subscription is APPROVAL_PENDING; after that there is no consent it could name, so the link
 * is refused as a bad ba_token is.
 */

const NEW = '/webapps/billing/subscriptions';
const REVISION = '/webapps/billing/subscriptions/update';

type Found = { record: SubscriptionRecord; approval: ApprovalRequest; revision: boolean };

/** Which consent the page's link names: its `ba_token`, or (a new subscription's page only) the subscription waiting for approval. */
type ConsentKey = { revision: boolean } & ({ baToken: string } | { subscriptionId: string });

function consentKeyOf(url: URL): ConsentKey {
  const revision = url.pathname === REVISION;
  const baToken = url.searchParams.get('ba_token');
  const subscriptionId = url.searchParams.get('subscription_id');
  if (baToken === null && subscriptionId !== null && !revision) return { revision, subscriptionId };
  return { revision, baToken: baToken ?? '' };
}

async function findConsent(ctx: Pick<PaypalContext, 'tx'>, key: ConsentKey, options: { lock: boolean }): Promise<Found | null> {
  const sql = ctx.tx.sql;
  const pointer = key.revision ? sql`data->'internal'->'revision'->>'ba_token'` : sql`data->'internal'->'approval'->>'ba_token'`;
  const match = 'subscriptionId' in key ? sql`id = ${key.subscriptionId} and data->'resource'->>'status' = 'APPROVAL_PENDING'` : sql`${pointer} = ${key.baToken}`;
  const [row] = await sql<{ data: SubscriptionRecord }[]>`select data from sandbox.objects where type = ${SUBSCRIPTION} and ${match} ${options.lock ? sql`for update` : sql``}`;
  if (!row) return null;
  const approval = key.revision ? row.data.internal.revision : row.data.internal.approval;
  return approval ? { record: row.data, approval, revision: key.revision } : null;
}

/** "Free trial: 7 days", "Trial: 1.00 USD per week for 2 weeks", "Then 10.00 USD per month". */
function planLines(plan: PlanRecord, record: SubscriptionRecord, now: number): string[] {
  const quantity = Math.max(1, Math.floor(Number(record.resource.quantity) || 1));
  const lines = plan.resource.billing_cycles.map((cycle) => {
    const price = cyclePrice(plan, record, cycle.sequence, now).units * quantity;
    const every = describeFrequency(cycle.frequency);
    const span = describeFrequency({ ...cycle.frequency, interval_count: cycle.frequency.interval_count * Math.max(cycle.total_cycles, 1) });
    const amount = `${paypalMoney(price, record.internal.currency).value} ${record.internal.currency}`;
    if (cycle.tenure_type === 'TRIAL') return price === 0 ? `Free trial: ${span}` : `Trial: ${amount} per ${every} for ${span}`;
    return `Then ${amount} per ${every}${cycle.total_cycles > 0 ? `, ${cycle.total_cycles} payments` : ' until cancelled'}`;
  });
  const fee = paymentPreferences(plan, record.internal.override).setup_fee;
  if (fee && fee.value !== paypalMoney(0, fee.currency_code).value) lines.push(`One-time setup fee: ${fee.value} ${fee.currency_code}`);
  return lines;
}

function view(found: Found, plan: PlanRecord, url: URL, now: number, problem?: string): ApprovalView {
  const { record, revision } = found;
  const summary = [`${merchantOf(record)}: ${plan.resource.name}`, ...planLines(plan, record, now), ...(record.resource.quantity !== '1' ? [`Quantity: ${record.resource.quantity}`] : []), ...(problem ? [problem] : [])];
  const { status } = record.resource;
  const open = revision ? status === 'ACTIVE' || status === 'SUSPENDED' : status === 'APPROVAL_PENDING';
  const done = open ? undefined : revision ? `This subscription is ${status.toLowerCase()}: it can no longer be changed.` : `This subscription is already ${status.toLowerCase()}.`;
  return {
    title: revision ? 'Agree to the changed subscription' : 'Agree to this subscription',
    summary,
    approveLabel: revision ? 'Agree & Continue' : record.internal.user_action === 'CONTINUE' ? 'Agree & Continue' : 'Agree & Subscribe',
    // Relative, as `url` has lost the prefix the sandbox is mounted under (/paypal): the page's own last segment.
    action: `${url.pathname.slice(url.pathname.lastIndexOf('/') + 1)}${url.search}`,
    ...(done ? { refusal: done } : {}),
  };
}

function returnUrl(target: string | undefined, record: SubscriptionRecord, approval: ApprovalRequest): string | null {
  if (!target) return null;
  const url = new URL(target);
  url.searchParams.set('subscription_id', record.id);
  url.searchParams.set('ba_token', approval.ba_token);
  url.searchParams.set('token', approval.token);
  return url.toString();
}

/** The buyer agreed to a new subscription: subscriber set, APPROVED, and ACTIVE unless the merchant activates. */
async function approveNew(ctx: PaypalContext, found: Found, plan: PlanRecord, buyer: TestBuyer): Promise<void> {
  const now = subscriptionNow(found.record, ctx.now);
  const approved = withStatus(
    { ...found.record, resource: { ...found.record.resource, subscriber: { name: buyer.name, email_address: buyer.email, payer_id: buyer.payerId, shipping_address: { address: { country_code: buyer.countryCode } } } }, internal: { ...found.record.internal, buyer: buyer.email } },
    'APPROVED',
    now,
  );
  if (found.record.internal.user_action === 'CONTINUE') await ctx.tx.save(approved);
  else await activateSubscription(ctx, approved, plan, now);
}

/** The buyer agreed to a revision: the new plan and quantity bill from the next cycle on. */
async function approveRevision(ctx: PaypalContext, found: Found, plan: PlanRecord): Promise<void> {
  const { record } = found;
  const revision = record.internal.revision;
  if (!revision) return;
  const now = subscriptionNow(record, ctx.now);
  const info = record.resource.billing_info;
  const { revision: _applied, ...internal } = record.internal;
  const revised: SubscriptionRecord = {
    ...record,
    resource: {
      ...record.resource,
      plan_id: plan.id,
      quantity: revision.quantity,
      ...(revision.shipping_amount ? { shipping_amount: revision.shipping_amount } : {}),
      plan_overridden: false,
      update_time: paypalTime(now),
      ...(info ? { billing_info: { ...info, cycle_executions: freshExecutions(plan, {}, { skipTrials: true }) } } : {}),
    },
    // The subscriber took the new plan now: its current prices apply; the next cycle starts its regular tenure.
    internal: { ...internal, override: {}, price_versions: currentPriceVersions(plan), tenure_start: internal.next_at ?? now, anchor_cycles: 0 },
  };
  await ctx.tx.save(revised);
  await raiseSubscriptionEvent(ctx, revised, 'BILLING.SUBSCRIPTION.UPDATED', `Subscription ${record.id} now follows plan ${plan.id}.`, now);
}

async function handle(request: http.IncomingMessage, response: http.ServerResponse, url: URL, services: PaypalServices): Promise<void> {
  const key = consentKeyOf(url);
  const { revision } = key;
  const base = services.base(url);
  const notFound = () => sendApprovalPage(response, { title: 'Subscription not found', summary: ['This link is not valid, or the change it offered was already made.'], approveLabel: '', action: '', refusal: 'Return to the shop and start again.' }, 404);
  if (request.method === 'GET') {
    const found = await findConsent({ tx: services.store.reader }, key, { lock: false });
    const plan = found && (await services.store.reader.get<PlanRecord>(PLAN, revision ? (found.record.internal.revision?.plan_id ?? '') : found.record.resource.plan_id));
    if (!found || !plan) return notFound();
    return sendApprovalPage(response, view(found, plan, url, subscriptionNow(found.record, Math.floor(Date.now() / 1000))));
  }
  if (request.method !== 'POST') {
    response.writeHead(405, { Allow: 'GET, POST' });
    response.end();
    return;
  }
  const form = await readApprovalForm(request);
  type Outcome = { kind: 'missing' } | { kind: 'page'; view: ApprovalView } | { kind: 'done'; found: Found; approved: boolean; payerId?: string };
  const outcome = await services.transaction(base, async (ctx): Promise<Outcome> => {
    const found = await findConsent(ctx, key, { lock: true });
    const plan = found && (await ctx.tx.get<PlanRecord>(PLAN, revision ? (found.record.internal.revision?.plan_id ?? '') : found.record.resource.plan_id));
    if (!found || !plan) return { kind: 'missing' };
    const now = subscriptionNow(found.record, ctx.now);
    const shown = view(found, plan, url, now);
    if (shown.refusal) return { kind: 'page', view: shown };
    if (form.decision === 'cancel') return { kind: 'done', found, approved: false };
    const buyer = buyerByEmail(form.buyer);
    if (!buyer) return { kind: 'page', view: view(found, plan, url, now, 'Choose one of the sandbox buyers to log in.') };
    if (buyer.outcome === 'instrument_declined' || buyer.outcome === 'transaction_refused') {
      return { kind: 'page', view: view(found, plan, url, now, `PayPal could not set up payments from ${buyer.email}: its funding was refused. Log in as another buyer.`) };
    }
    if (revision) await approveRevision(ctx, found, plan);
    else await approveNew(ctx, found, plan, buyer);
    return { kind: 'done', found, approved: true, payerId: buyer.payerId };
  });
  if (outcome.kind === 'missing') return notFound();
  if (outcome.kind === 'page') return sendApprovalPage(response, outcome.view);
  const { found, approved, payerId } = outcome;
  const target = approved ? found.approval.return_url : found.approval.cancel_url;
  finishApproval(
    response,
    url,
    { source: 'billfold-paypal-sandbox', outcome: approved ? 'approved' : 'cancelled', subscriptionId: found.record.id, ...(payerId ? { payerId } : {}) },
    returnUrl(target, found.record, found.approval),
  );
}

export const SUBSCRIPTION_APPROVAL_PAGES: PaypalPage[] = [
  { path: NEW, handle },
  { path: REVISION, handle },
];
