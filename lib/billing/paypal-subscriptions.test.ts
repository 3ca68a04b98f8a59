import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, customers, invoices, subscriptionSwitches, subscriptions } from '@/db/schema';
import { applyBillingChange } from '@/lib/billing/payment-events';
import { webhookEffect } from '@/lib/billing/webhook-actions';
import { decide } from '@/sandbox/paypal/tests/order-support';
import { userFacingError } from '@/test/errors';
import { advanceClock, confirmPayment, confirmSetup, emailsTo, eventApplier, newSubscriber, subscriberOnClock, subscriptionTestContext, type SubscriptionTestContext } from '@/test/subscriptions';
import { closeDisownedSubscription } from './disowned-subscriptions';
import { entitlementsFor } from './entitlements';
import { payOutstandingBalance } from './outstanding-balance';
import { finishSwitchToApproval, finishSwitchToCard, startSwitchedSubscription, startSwitchToApproval, startSwitchToCard, undoSwitch } from './provider-switch';
import { cancelSubscription, changePlan, resumeSubscription, startPlanChangeApproval, startResumeApproval } from './plan-changes';
import { startSubscription, trialDaysFor, type StartedSubscription } from './subscribe';
import { billingAlertFor, currentSubscription, invoicesFor, type Subscriber } from './subscriptions';

/**
 * PayPal subscriptions through lib/billing, against the sandbox's PayPal: the same rules as the
 * card path (one live subscription per account whichever provider, one trial per account, state
 * from webhooks applied in any order), with the buyer's approval given on PayPal's page.
 */

const t: SubscriptionTestContext = subscriptionTestContext();
const stripeEvents = eventApplier(t);

interface PaypalEvent {
  id: string;
  event_type: string;
  resource: { id?: string; billing_agreement_id?: string; custom_id?: string };
}

/** Every PayPal event the sandbox raised, oldest first (PayPal's events list reads the same store). */
async function paypalEvents(): Promise<PaypalEvent[]> {
  const rows = await t.db.execute<{ event: PaypalEvent }>(sql`select data->'resource' as event from sandbox.objects where type = 'paypal_event' order by seq`);
  return rows.map((row) => row.event);
}

/** Applies one PayPal event as the webhook worker does: PayPal's classification, then lib/billing's re-fetch under the lock. */
async function applyPaypalEvent(event: PaypalEvent): Promise<void> {
  const action = await t.paypal.webhooks.classify({ type: event.event_type, payload: event });
  if (!action) return;
  const effect = webhookEffect(t.paypal, action);
  await applyBillingChange(t.db, effect.key, effect.refetch);
}

/** The events about one PayPal subscription (its own, and its payments'). */
async function eventsOf(subscriptionId: string): Promise<PaypalEvent[]> {
  return (await paypalEvents()).filter((event) => event.resource.id === subscriptionId || event.resource.billing_agreement_id === subscriptionId);
}

async function applyAll(subscriptionId: string): Promise<void> {
  for (const event of await eventsOf(subscriptionId)) await applyPaypalEvent(event);
}

function approveUrlOf(started: StartedSubscription): string {
  if (started.step !== 'approval' || started.handoff.kind !== 'approval' || !started.handoff.approveUrl) throw new Error(`expected a PayPal approval, got ${started.step}`);
  return started.handoff.approveUrl;
}

function paypalIdOf(started: StartedSubscription): string {
  if (started.handoff.kind !== 'approval') throw new Error('expected a PayPal approval');
  return started.handoff.providerOrderId;
}

/** The buyer agrees on PayPal's page, as `buyer`. */
async function approve(started: StartedSubscription, buyer = 'buyer@example.com'): Promise<void> {
  const page = await decide(approveUrlOf(started), 'approve', buyer);
  expect(page.status).toBeLessThan(400);
}

async function subscribedWithPaypal(subscriber: Subscriber, lookupKey: string, buyer?: string): Promise<string> {
  const started = await startSubscription(t.paypalDeps, subscriber, lookupKey);
  await approve(started, buyer);
  const id = paypalIdOf(started);
  await applyAll(id);
  return id;
}

async function rowsOf(subscriber: Subscriber) {
  return t.db.select().from(subscriptions).where(eq(subscriptions.userId, subscriber.userId)).orderBy(subscriptions.createdAt);
}

/** A row as far as it says anything: when it was last written is not a change. */
function content<T extends { updatedAt: Date; providerUpdatedAt: Date | null }>(row: T): Omit<T, 'updatedAt' | 'providerUpdatedAt'> {
  const { updatedAt: _written, providerUpdatedAt: _seen, ...rest } = row;
  return rest;
}

/** How many subscriptions PayPal holds for the account (its custom_id names the account). */
async function paypalSubscriptionsOf(subscriber: Subscriber): Promise<number> {
  const [row] = await t.db.execute<{ count: number }>(
    sql`select count(*)::int as count from sandbox.objects where type = 'paypal_subscription' and data->'resource'->>'custom_id' = ${`account:${subscriber.userId}`}`,
  );
  return row?.count ?? 0;
}

async function snapshot(subscriber: Subscriber) {
  return {
    atPaypal: await paypalSubscriptionsOf(subscriber),
    rows: (await rowsOf(subscriber)).map(content),
    invoices: (await t.db.select().from(invoices).orderBy(invoices.id)).map(content),
  };
}

describe('subscribing with PayPal', () => {
  it('waits for the buyer’s approval, then is active with PayPal’s payer and the first payment as a paid invoice', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-monthly');
    const started = await startSubscription(t.paypalDeps, subscriber, 'starter-monthly-usd');
    expect(started.step).toBe('approval');
    expect((await rowsOf(subscriber)).map((row) => [row.provider, row.status])).toEqual([['paypal', 'incomplete']]);
    const [customer] = await t.db.select().from(customers).where(and(eq(customers.userId, subscriber.userId), eq(customers.provider, 'paypal')));
    expect(customer?.providerCustomerId).toBe(`account:${subscriber.userId}`);
    expect(await entitlementsFor(t.db, subscriber.userId)).toMatchObject({ access: 'none' });

    await approve(started);
    await applyAll(paypalIdOf(started));
    const view = await currentSubscription(t.db, subscriber.userId);
    expect(view).toMatchObject({ provider: 'paypal', status: 'active', plan: { lookupKey: 'starter-monthly-usd' }, wallet: { email: 'buyer@example.com' }, paymentMethod: null });
    expect(view?.nextCharge?.amount).toEqual({ amount: 900, currency: 'USD' });
    expect((await invoicesFor(t.db, subscriber.userId)).map((invoice) => [invoice.status, invoice.amountPaid.amount])).toEqual([['paid', 900]]);
    expect(await entitlementsFor(t.db, subscriber.userId)).toMatchObject({ access: 'full', plan: { slug: 'starter' } });
  });

  it('creates one PayPal subscription and one row when subscribe is submitted many times at once', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-double');
    const results = await Promise.all(Array.from({ length: 6 }, () => startSubscription(t.paypalDeps, subscriber, 'starter-monthly-usd')));
    expect(new Set(results.map((result) => result.subscriptionId)).size).toBe(1);
    expect(new Set(results.map(paypalIdOf)).size).toBe(1);
    expect(await paypalSubscriptionsOf(subscriber)).toBe(1);
    expect(await rowsOf(subscriber)).toHaveLength(1);
    await applyAll(paypalIdOf(results[0]!));
    expect(await rowsOf(subscriber)).toHaveLength(1);
  });

  it('ends in PayPal’s state whatever order its events are applied in', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-order');
    const id = await subscribedWithPaypal(subscriber, 'pro-monthly-usd');
    // Past the trial: the first charge is a renewal, with its own events.
    const advanced = await fetch(`${t.sandbox.server.url}/paypal/_sandbox/subscriptions/${id}/advance`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ cycles: 1 }) });
    expect(advanced.status).toBe(200);
    const events = await eventsOf(id);
    expect(events.map((event) => event.event_type)).toEqual(expect.arrayContaining(['BILLING.SUBSCRIPTION.CREATED', 'BILLING.SUBSCRIPTION.ACTIVATED', 'PAYMENT.SALE.COMPLETED']));

    const state = async () => {
      const [row] = await rowsOf(subscriber);
      const rowInvoices = await t.db.select({ id: invoices.providerInvoiceId, status: invoices.status, paid: invoices.amountPaid }).from(invoices).where(eq(invoices.subscriptionId, row!.id)).orderBy(invoices.providerInvoiceId);
      const { id: _id, createdAt: _created, updatedAt: _updated, providerUpdatedAt: _seen, ...rest } = row!;
      return { row: rest, invoices: rowInvoices };
    };
    await applyAll(id);
    const expected = await state();
    expect(expected.row).toMatchObject({ status: 'active' });
    expect(expected.invoices).toHaveLength(1);

    const orders = [[...events].reverse(), [...events.slice(1), events[0]!], [events.at(-1)!, ...events.slice(0, -1)], [...events, ...events]];
    for (const order of orders) {
      await t.db.delete(invoices).where(eq(invoices.subscriptionId, (await rowsOf(subscriber))[0]!.id));
      await t.db.delete(subscriptions).where(eq(subscriptions.userId, subscriber.userId));
      for (const event of order) await applyPaypalEvent(event);
      expect(await state()).toEqual(expected);
    }
  });
});

async function advancePaypal(id: string, by: { cycles: number } | { seconds: number }): Promise<void> {
  const response = await fetch(`${t.sandbox.server.url}/paypal/_sandbox/subscriptions/${id}/advance`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(by) });
  expect(response.status).toBe(200);
}

describe('changing plan with PayPal', () => {
  it('sends the subscriber to approve the change at PayPal, and moves to the new plan once PayPal confirms it, charging nothing now', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-revise');
    const id = await subscribedWithPaypal(subscriber, 'starter-monthly-usd');
    const urls = { returnUrl: 'http://127.0.0.1:3000/account/billing?notice=plan-change-approved', cancelUrl: 'http://127.0.0.1:3000/account/billing?notice=plan-change-left' };

    const before = await snapshot(subscriber);
    expect((await userFacingError(startPlanChangeApproval(t.paypalDeps, subscriber, 'pro-monthly-jpy', urls))).code).toBe('currency_mismatch');
    expect((await userFacingError(startPlanChangeApproval(t.paypalDeps, subscriber, 'starter-monthly-usd', urls))).code).toBe('same_plan');
    const { approveUrl } = await startPlanChangeApproval(t.paypalDeps, subscriber, 'pro-monthly-usd', urls);
    // Nothing changes until the buyer approves.
    await applyAll(id);
    expect(await snapshot(subscriber)).toEqual(before);

    const page = await decide(approveUrl, 'approve');
    expect(page.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:3000\/account\/billing\?notice=plan-change-approved/);
    await applyAll(id);
    const view = await currentSubscription(t.db, subscriber.userId);
    expect(view).toMatchObject({ status: 'active', plan: { lookupKey: 'pro-monthly-usd' }, nextCharge: { amount: { amount: 2900, currency: 'USD' } } });
    expect((await invoicesFor(t.db, subscriber.userId)).map((invoice) => invoice.amountPaid.amount)).toEqual([900]);

    // The next renewal charges the new plan.
    await advancePaypal(id, { cycles: 1 });
    await applyAll(id);
    expect((await invoicesFor(t.db, subscriber.userId)).map((invoice) => invoice.amountPaid.amount)).toEqual([2900, 900]);
  });
});

describe('a PayPal renewal that fails', () => {
  it('makes the subscription past due with an open invoice and a banner that speaks of PayPal, keeping grace access', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-dunning');
    const id = await subscribedWithPaypal(subscriber, 'starter-monthly-usd', 'renewals-fail@example.com');
    await advancePaypal(id, { cycles: 1 });
    await applyAll(id);
    const view = await currentSubscription(t.db, subscriber.userId);
    expect(view).toMatchObject({ status: 'past_due', openInvoice: { amountDue: { amount: 900, currency: 'USD' } } });
    expect(await entitlementsFor(t.db, subscriber.userId)).toMatchObject({ access: 'grace', status: 'past_due' });
    expect(await billingAlertFor(t.db, subscriber.userId)).toMatchObject({ kind: 'collecting_at_provider', message: expect.stringContaining('PayPal could not collect'), amountDue: { amount: 900, currency: 'USD' } });
    expect((await invoicesFor(t.db, subscriber.userId)).map((invoice) => [invoice.status, invoice.amountDue.amount])).toEqual([
      ['open', 900],
      ['paid', 900],
    ]);
  });
});

describe('fixing a failed PayPal renewal', () => {
  /** The buyer changes how the subscription is paid on PayPal's automatic payments page (the sandbox's stand-in). */
  async function changeFundingAtPaypal(id: string): Promise<void> {
    const response = await fetch(`${t.sandbox.server.url}/paypal/myaccount/autopay/connect/${id}?buyer=${encodeURIComponent('renewals-fail@example.com')}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ funding: 'balance' }),
    });
    expect(response.status).toBeLessThan(400);
  }

  async function pastDueWithPaypal(label: string, failures = 1): Promise<{ subscriber: Subscriber; id: string }> {
    const subscriber = await newSubscriber(t.db, label);
    const id = await subscribedWithPaypal(subscriber, 'starter-monthly-usd', 'renewals-fail@example.com');
    await advancePaypal(id, { cycles: failures });
    await applyAll(id);
    return { subscriber, id };
  }

  it('emails a PayPal subscriber to change how they pay at PayPal, linking the billing page rather than a card form', async () => {
    const { subscriber } = await pastDueWithPaypal('paypal-dunning-email');
    const [email] = (await emailsTo(t.db, subscriber.email)).filter((sent) => sent.kind === 'payment_failed');
    expect(email?.text).toContain('PayPal could not collect the payment for your Starter subscription ($9.00)');
    expect(email?.text).toContain('change how you pay at PayPal');
    expect(email?.text).toMatch(/\/account\/billing$/m);
    expect(email?.text).not.toContain('card');
  });

  it('leaves the subscription past due when PayPal still cannot collect, changing nothing else', async () => {
    const { subscriber } = await pastDueWithPaypal('paypal-still-failing');
    const invoicesBefore = await invoicesFor(t.db, subscriber.userId);
    expect(await payOutstandingBalance(t.paypalDeps, subscriber)).toEqual({ paid: false });
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ status: 'past_due', openInvoice: { amountDue: { amount: 900, currency: 'USD' } } });
    expect((await invoicesFor(t.db, subscriber.userId)).map((invoice) => [invoice.id, invoice.status])).toEqual(invoicesBefore.map((invoice) => [invoice.id, invoice.status]));
  });

  it('collects the balance once the subscriber changed how they pay at PayPal: the invoice is paid and access is full again', async () => {
    const { subscriber, id } = await pastDueWithPaypal('paypal-fixed');
    // A first try before the fix is refused; the one after is a new request, not its replay.
    expect(await payOutstandingBalance(t.paypalDeps, subscriber)).toEqual({ paid: false });
    await changeFundingAtPaypal(id);
    // Two clicks at once: one waits for the other, finds nothing owed and says so. One payment.
    const outcomes = await Promise.allSettled([payOutstandingBalance(t.paypalDeps, subscriber), payOutstandingBalance(t.paypalDeps, subscriber)]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled').map((outcome) => outcome.value)).toEqual([{ paid: true }]);
    expect(outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => (outcome.reason as { code?: string }).code)).toEqual(['nothing_due']);
    await applyAll(id);
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ status: 'active', openInvoice: null });
    // The capture is the payment of record; the balance it collected is void, so $9.00 is counted once.
    expect((await invoicesFor(t.db, subscriber.userId)).map((invoice) => [invoice.status, invoice.amountPaid.amount, invoice.collectedLater])).toEqual([
      ['paid', 900, false],
      ['void', 0, true],
      ['paid', 900, false],
    ]);
    expect(await entitlementsFor(t.db, subscriber.userId)).toMatchObject({ access: 'full' });
    expect(await billingAlertFor(t.db, subscriber.userId)).toBeNull();
  });

  it('carries on a subscription PayPal suspended after two failed renewals, once its balance is paid', async () => {
    const { subscriber, id } = await pastDueWithPaypal('paypal-suspended', 2);
    // PayPal stopped billing at its threshold: access ends until the balance is paid, as after a card's last retry.
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ status: 'unpaid', openInvoice: { amountDue: { amount: 1800, currency: 'USD' } } });
    expect(await entitlementsFor(t.db, subscriber.userId)).toMatchObject({ access: 'none', status: 'unpaid' });
    await changeFundingAtPaypal(id);
    expect(await payOutstandingBalance(t.paypalDeps, subscriber)).toEqual({ paid: true });
    await applyAll(id);
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ status: 'active', openInvoice: null });
    expect(await t.paypal.subscriptions?.retrieveSubscription(id)).toMatchObject({ status: 'active' });
  });

  it('refuses to collect from a subscriber who owes nothing, or whose subscription is paid by card', async () => {
    const paypalSubscriber = await newSubscriber(t.db, 'paypal-owes-nothing');
    await subscribedWithPaypal(paypalSubscriber, 'starter-monthly-usd');
    expect((await userFacingError(payOutstandingBalance(t.paypalDeps, paypalSubscriber))).code).toBe('nothing_due');

    const cardSubscriber = await newSubscriber(t.db, 'card-no-wallet');
    const started = await startSubscription(t.deps, cardSubscriber, 'starter-monthly-usd');
    await confirmPayment(t, started.handoff);
    await stripeEvents.applyNew();
    expect((await userFacingError(payOutstandingBalance(t.deps, cardSubscriber))).code).toBe('not_supported');
  });
});

// The switch worker's dependencies, once the context has them.
const switchDeps = () => ({ db: t.db, depsOf: (name: string) => (name === 'paypal' ? t.paypalDeps : t.deps) });

async function switchJobsFor(switchId: string): Promise<number> {
  const [row] = await t.db.execute<{ count: number }>(sql`select count(*)::int as count from pgboss.job where name = 'subscription-switches' and data->>'switchId' = ${switchId}`);
  return row?.count ?? 0;
}

async function stripeSubscriptionsOf(subscriber: Subscriber) {
  const [customer] = await t.db.select().from(customers).where(and(eq(customers.userId, subscriber.userId), eq(customers.provider, 'stripe')));
  return customer ? (await t.sandbox.stripe.subscriptions.list({ customer: customer.providerCustomerId, status: 'all' })).data : [];
}

/** Where the buyer approves a PayPal subscription made for a move. */
async function approveUrlOfSubscription(id: string): Promise<string> {
  const checkout = await t.paypal.subscriptions!.retrieveSubscriptionCheckout(id);
  const handoff = checkout.pending?.handoff;
  if (handoff?.kind !== 'approval' || !handoff.approveUrl) throw new Error(`PayPal subscription ${id} waits for no approval`);
  return handoff.approveUrl;
}

describe('moving from PayPal to a card', () => {
  it('saves the card now, lets the PayPal period run out, then charges the card once and PayPal never again', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-to-card');
    const id = await subscribedWithPaypal(subscriber, 'starter-monthly-usd');
    const paidUntil = (await currentSubscription(t.db, subscriber.userId))?.currentPeriodEnd;

    const { handoff } = await startSwitchToCard(t.paypalDeps, t.deps, subscriber);
    const setup = await confirmSetup(t, handoff, '4242424242424242');
    const scheduled = await finishSwitchToCard(t.paypalDeps, t.deps, subscriber, setup.id);
    expect(scheduled).toEqual({ startsAt: paidUntil, card: { brand: 'visa', last4: '4242' } });
    // A second submit answers the same move.
    expect(await finishSwitchToCard(t.paypalDeps, t.deps, subscriber, setup.id)).toEqual(scheduled);
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ provider: 'paypal', status: 'active', cancelAtPeriodEnd: true });
    expect(await stripeSubscriptionsOf(subscriber)).toHaveLength(0);
    expect((await userFacingError(startSwitchToCard(t.paypalDeps, t.deps, subscriber))).code).toBe('already_switching');
    // Set to end only because the card takes over: there is nothing to resume.
    const back = { returnUrl: 'http://127.0.0.1:3000/account/billing', cancelUrl: 'http://127.0.0.1:3000/account/billing' };
    expect((await userFacingError(startResumeApproval(t.paypalDeps, subscriber, back))).code).toBe('switch_scheduled');

    // PayPal's time passes the paid period: PayPal ends it, and the move is queued with that end.
    await advancePaypal(id, { seconds: 32 * 86_400 });
    await applyAll(id);
    const [move] = await t.db.select().from(subscriptionSwitches).where(eq(subscriptionSwitches.userId, subscriber.userId));
    expect(move?.status).toBe('scheduled');
    expect(await switchJobsFor(move!.id)).toBe(1);
    await applyAll(id);
    expect(await switchJobsFor(move!.id)).toBe(1);

    expect(await startSwitchedSubscription(switchDeps(), move!.id)).toBe('started');
    expect(await startSwitchedSubscription(switchDeps(), move!.id)).toBe('skipped');
    await stripeEvents.applyNew();
    const view = await currentSubscription(t.db, subscriber.userId);
    expect(view).toMatchObject({ provider: 'stripe', status: 'active', plan: { lookupKey: 'starter-monthly-usd' }, paymentMethod: { last4: '4242' } });
    expect(await stripeSubscriptionsOf(subscriber)).toHaveLength(1);
    expect((await invoicesFor(t.db, subscriber.userId)).map((invoice) => [invoice.status, invoice.amountPaid.amount])).toEqual([
      ['paid', 900],
      ['paid', 900],
    ]);
    expect(await entitlementsFor(t.db, subscriber.userId)).toMatchObject({ access: 'full' });
    const rows = await rowsOf(subscriber);
    expect(rows.map((row) => [row.provider, row.status])).toEqual([
      ['paypal', 'canceled'],
      ['stripe', 'active'],
    ]);
  });

  it('emails a subscriber whose card declines the first charge after the move, leaves no access until it is paid, and takes the payment when they finish', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-to-declining-card');
    const id = await subscribedWithPaypal(subscriber, 'starter-monthly-usd');
    const { handoff } = await startSwitchToCard(t.paypalDeps, t.deps, subscriber);
    // The card is saved without a charge; the bank declines it later, off session.
    const setup = await confirmSetup(t, handoff, '4000000000000341');
    await finishSwitchToCard(t.paypalDeps, t.deps, subscriber, setup.id);
    await advancePaypal(id, { seconds: 32 * 86_400 });
    await applyAll(id);
    const [move] = await t.db.select().from(subscriptionSwitches).where(eq(subscriptionSwitches.userId, subscriber.userId));
    expect(await startSwitchedSubscription(switchDeps(), move!.id)).toBe('started');
    await stripeEvents.applyNew();

    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ provider: 'stripe', status: 'incomplete' });
    expect(await entitlementsFor(t.db, subscriber.userId)).toMatchObject({ access: 'none' });
    const failed = (await emailsTo(t.db, subscriber.email)).filter((sent) => sent.kind === 'payment_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.subject).toBe('Your payment of $9.00 failed');
    expect(failed[0]?.text).toContain('We could not take the first payment for your Starter subscription ($9.00) from the card it moved to.');
    expect(failed[0]?.text).toContain('/account/billing');

    // "Finish subscribing" on the billing page: the same subscription's first payment, with a card that pays.
    const finishing = await startSubscription(t.deps, subscriber, 'starter-monthly-usd');
    await confirmPayment(t, finishing.handoff);
    await stripeEvents.applyNew();
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ provider: 'stripe', status: 'active' });
    expect(await entitlementsFor(t.db, subscriber.userId)).toMatchObject({ access: 'full' });
    expect((await rowsOf(subscriber)).map((row) => [row.provider, row.status])).toEqual([
      ['paypal', 'canceled'],
      ['stripe', 'active'],
    ]);
    expect(await stripeSubscriptionsOf(subscriber)).toHaveLength(1);
  });

  it('refuses to move a free trial, a balance owed or a card subscription, changing nothing', async () => {
    const trial = await newSubscriber(t.db, 'paypal-trial-switch');
    await subscribedWithPaypal(trial, 'pro-monthly-usd');
    const before = await snapshot(trial);
    expect((await userFacingError(startSwitchToCard(t.paypalDeps, t.deps, trial))).code).toBe('trialing');
    expect(await snapshot(trial)).toEqual(before);

    const owing = await newSubscriber(t.db, 'paypal-owing-switch');
    const owingId = await subscribedWithPaypal(owing, 'starter-monthly-usd', 'renewals-fail@example.com');
    await advancePaypal(owingId, { cycles: 1 });
    await applyAll(owingId);
    expect((await userFacingError(startSwitchToCard(t.paypalDeps, t.deps, owing))).code).toBe('payment_due');

    const byCard = await newSubscriber(t.db, 'card-switch');
    const started = await startSubscription(t.deps, byCard, 'starter-monthly-usd');
    await confirmPayment(t, started.handoff);
    await stripeEvents.applyNew();
    expect((await userFacingError(startSwitchToCard(t.deps, t.deps, byCard))).code).toBe('already_there');
  });

  it('never finishes a move with another account’s card setup', async () => {
    const owner = await newSubscriber(t.db, 'switch-owner');
    await subscribedWithPaypal(owner, 'starter-monthly-usd');
    const { handoff } = await startSwitchToCard(t.paypalDeps, t.deps, owner);
    const setup = await confirmSetup(t, handoff);
    const stranger = await newSubscriber(t.db, 'switch-stranger');
    await subscribedWithPaypal(stranger, 'starter-monthly-usd');
    await startSwitchToCard(t.paypalDeps, t.deps, stranger);
    const before = await snapshot(stranger);
    expect((await userFacingError(finishSwitchToCard(t.paypalDeps, t.deps, stranger, setup.id))).code).toBe('not_found');
    expect(await snapshot(stranger)).toEqual(before);
  });
});

describe('moving from a card to PayPal', () => {
  it('has PayPal approved now and billing from the end of the period paid by card, with the card charged no more and one live subscription throughout', async () => {
    const { subscriber, clock } = await subscriberOnClock(t, 'card-to-paypal', Math.floor(Date.now() / 1000));
    const started = await startSubscription(t.deps, subscriber, 'starter-monthly-usd');
    await confirmPayment(t, started.handoff);
    await stripeEvents.applyNew();
    const paidUntil = (await currentSubscription(t.db, subscriber.userId))!.currentPeriodEnd!;

    const { subscriptionId } = await startSwitchToApproval(t.deps, t.paypalDeps, subscriber);
    expect((await startSwitchToApproval(t.deps, t.paypalDeps, subscriber)).subscriptionId).toBe(subscriptionId);
    expect((await userFacingError(finishSwitchToApproval(t.deps, t.paypalDeps, subscriber, subscriptionId))).code).toBe('not_approved');
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ provider: 'stripe', cancelAtPeriodEnd: false, movingTo: null });

    const page = await decide(await approveUrlOfSubscription(subscriptionId), 'approve', 'buyer@example.com');
    expect(page.status).toBeLessThan(400);
    // PayPal's webhooks arrive first: its subscription is not recorded while the card one lives,
    // and its approval is handed to the move's job.
    await applyAll(subscriptionId);
    expect((await rowsOf(subscriber)).map((row) => [row.provider, row.status])).toEqual([['stripe', 'active']]);
    const [move] = await t.db.select().from(subscriptionSwitches).where(eq(subscriptionSwitches.userId, subscriber.userId));
    expect(await startSwitchedSubscription(switchDeps(), move!.id)).toBe('confirmed');
    // The browser's report comes after: the same move.
    expect(await finishSwitchToApproval(t.deps, t.paypalDeps, subscriber, subscriptionId)).toEqual({ startsAt: paidUntil });
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ provider: 'stripe', cancelAtPeriodEnd: true, movingTo: { provider: 'paypal', card: null, startsAt: paidUntil } });
    expect(await startSwitchedSubscription(switchDeps(), move!.id)).toBe('waiting');

    // The card's period ends: Stripe ends the subscription, and PayPal's takes over.
    await advanceClock(t, clock, Math.floor(paidUntil.getTime() / 1000) + 3600);
    await stripeEvents.applyNew();
    expect(await startSwitchedSubscription(switchDeps(), move!.id)).toBe('started');
    expect((await rowsOf(subscriber)).map((row) => [row.provider, row.status])).toEqual([
      ['stripe', 'canceled'],
      ['paypal', 'active'],
    ]);
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ provider: 'paypal', status: 'active', wallet: { email: 'buyer@example.com' } });
    // One payment by card; PayPal bills from the end of that period, not before.
    expect((await invoicesFor(t.db, subscriber.userId)).map((invoice) => [invoice.status, invoice.amountPaid.amount])).toEqual([['paid', 900]]);
    expect(new Date((await t.paypal.subscriptions!.retrieveSubscription(subscriptionId)).currentPeriodEnd!).getTime()).toBe(paidUntil.getTime());
  });

  it('never finishes a move with another account’s PayPal subscription', async () => {
    const { subscriber: owner } = await subscriberOnClock(t, 'to-paypal-owner', Math.floor(Date.now() / 1000));
    const started = await startSubscription(t.deps, owner, 'starter-monthly-usd');
    await confirmPayment(t, started.handoff);
    await stripeEvents.applyNew();
    const { subscriptionId } = await startSwitchToApproval(t.deps, t.paypalDeps, owner);
    const stranger = await newSubscriber(t.db, 'to-paypal-stranger');
    const byCard = await startSubscription(t.deps, stranger, 'starter-monthly-usd');
    await confirmPayment(t, byCard.handoff);
    await stripeEvents.applyNew();
    const before = await snapshot(stranger);
    expect((await userFacingError(finishSwitchToApproval(t.deps, t.paypalDeps, stranger, subscriptionId))).code).toBe('not_found');
    expect(await snapshot(stranger)).toEqual(before);
  });
});

describe('undoing a scheduled move', () => {
  const resumeUrls = { returnUrl: 'http://127.0.0.1:3000/account/billing?notice=resume-approved', cancelUrl: 'http://127.0.0.1:3000/account/billing?notice=resume-left' };

  async function moveOf(subscriber: Subscriber) {
    const [move] = await t.db.select().from(subscriptionSwitches).where(eq(subscriptionSwitches.userId, subscriber.userId));
    if (!move) throw new Error(`${subscriber.email} has no move`);
    return move;
  }

  async function undoAuditsOf(subscriber: Subscriber) {
    return t.db
      .select({ subjectId: auditLog.subjectId, data: auditLog.data })
      .from(auditLog)
      .where(and(eq(auditLog.actorUserId, subscriber.userId), eq(auditLog.action, 'subscription.switch_undone')));
  }

  /** Everything an undo could change: the provider's and our subscriptions, the moves, the audit trail. */
  async function everything(subscriber: Subscriber) {
    return {
      ...(await snapshot(subscriber)),
      stripe: (await stripeSubscriptionsOf(subscriber)).map((subscription) => [subscription.id, subscription.status, subscription.cancel_at_period_end]),
      moves: await t.db.select().from(subscriptionSwitches).where(eq(subscriptionSwitches.userId, subscriber.userId)),
      audits: await undoAuditsOf(subscriber),
    };
  }

  async function subscribedByCard(label: string) {
    const { subscriber, clock } = await subscriberOnClock(t, label, Math.floor(Date.now() / 1000));
    const started = await startSubscription(t.deps, subscriber, 'starter-monthly-usd');
    await confirmPayment(t, started.handoff);
    await stripeEvents.applyNew();
    return { subscriber, clock, paidUntil: (await currentSubscription(t.db, subscriber.userId))!.currentPeriodEnd! };
  }

  /** A card subscriber who approved PayPal to take over: the move is scheduled. */
  async function movingToPaypal(label: string) {
    const byCard = await subscribedByCard(label);
    const { subscriptionId } = await startSwitchToApproval(t.deps, t.paypalDeps, byCard.subscriber);
    expect((await decide(await approveUrlOfSubscription(subscriptionId), 'approve', 'buyer@example.com')).status).toBeLessThan(400);
    await finishSwitchToApproval(t.deps, t.paypalDeps, byCard.subscriber, subscriptionId);
    return { ...byCard, successorId: subscriptionId };
  }

  /** A PayPal subscriber who saved a card to take over: the move is scheduled. */
  async function movingToCard(label: string) {
    const subscriber = await newSubscriber(t.db, label);
    const id = await subscribedWithPaypal(subscriber, 'starter-monthly-usd');
    const { handoff } = await startSwitchToCard(t.paypalDeps, t.deps, subscriber);
    await finishSwitchToCard(t.paypalDeps, t.deps, subscriber, (await confirmSetup(t, handoff)).id);
    return { subscriber, id };
  }

  it('calls the move off and keeps the card renewing when PayPal’s subscription is cancelled at PayPal before it starts', async () => {
    const { subscriber, successorId } = await movingToPaypal('paypal-successor-cancelled');
    // The buyer cancels it at PayPal (their automatic payments page): PayPal's webhook says so.
    await t.paypalDeps.subscriptions.cancelSubscriptionNow(successorId, 'test:buyer-cancels');
    await applyAll(successorId);
    const move = await moveOf(subscriber);
    expect(await switchJobsFor(move.id)).toBe(1);
    expect(await startSwitchedSubscription(switchDeps(), move.id)).toBe('undone');
    expect(await startSwitchedSubscription(switchDeps(), move.id)).toBe('skipped');
    expect((await moveOf(subscriber)).status).toBe('undone');
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ provider: 'stripe', status: 'active', cancelAtPeriodEnd: false, movingTo: null });
    expect((await stripeSubscriptionsOf(subscriber)).map((subscription) => [subscription.status, subscription.cancel_at_period_end])).toEqual([['active', false]]);
    const [audit] = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'subscription.switch_undone'), eq(auditLog.subjectId, move.fromSubscriptionId)));
    expect(audit).toMatchObject({ actorKind: 'system', data: { successor: { id: successorId, status: 'canceled' } } });
  });

  it('keeps the card paying when a move to PayPal is called off: PayPal’s subscription is cancelled having charged nothing, and the card renews', async () => {
    const { subscriber, clock, paidUntil, successorId } = await movingToPaypal('undo-to-paypal');
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ provider: 'stripe', cancelAtPeriodEnd: true, movingTo: { provider: 'paypal' } });

    // A double click: the second waits for the first under the account's lock, finds the move undone, and answers the same.
    expect(await Promise.all([undoSwitch(t.deps, subscriber), undoSwitch(t.deps, subscriber)])).toEqual([
      { provider: 'stripe', renews: true },
      { provider: 'stripe', renews: true },
    ]);
    const view = await currentSubscription(t.db, subscriber.userId);
    expect(view).toMatchObject({ provider: 'stripe', status: 'active', cancelAtPeriodEnd: false, movingTo: null, nextCharge: { amount: { amount: 900, currency: 'USD' }, at: paidUntil } });
    const [atStripe] = await stripeSubscriptionsOf(subscriber);
    expect(atStripe).toMatchObject({ status: 'active', cancel_at_period_end: false });
    expect(await t.paypal.subscriptions!.retrieveSubscription(successorId)).toMatchObject({ status: 'canceled' });
    const move = await moveOf(subscriber);
    expect(move.status).toBe('undone');
    expect(await undoAuditsOf(subscriber)).toEqual([{ subjectId: view!.id, data: expect.objectContaining({ switchId: move.id, toProvider: 'paypal', successor: { id: successorId, status: 'canceled' } }) }]);

    // PayPal's webhooks about its subscription: recorded as the ended subscription it is, never the account's.
    await applyAll(successorId);
    expect((await rowsOf(subscriber)).map((row) => [row.provider, row.status])).toEqual([
      ['stripe', 'active'],
      ['paypal', 'canceled'],
    ]);
    expect(await startSwitchedSubscription(switchDeps(), move.id)).toBe('skipped');

    // Past the period paid by card: the card renews, no move is queued, and PayPal charges nothing.
    await advanceClock(t, clock, Math.floor(paidUntil.getTime() / 1000) + 3600);
    await stripeEvents.applyNew();
    await advancePaypal(successorId, { seconds: 40 * 86_400 });
    await applyAll(successorId);
    expect(await switchJobsFor(move.id)).toBe(0);
    expect(await startSwitchedSubscription(switchDeps(), move.id)).toBe('skipped');
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ provider: 'stripe', status: 'active', movingTo: null });
    expect((await invoicesFor(t.db, subscriber.userId)).map((invoice) => [invoice.status, invoice.amountPaid.amount])).toEqual([
      ['paid', 900],
      ['paid', 900],
    ]);
    expect((await eventsOf(successorId)).filter((event) => event.event_type.startsWith('PAYMENT.'))).toEqual([]);
    expect(await t.paypal.subscriptions!.invoicesOf!(successorId)).toEqual([]);
    expect(await moveOf(subscriber)).toMatchObject({ status: 'undone', toSubscriptionId: null });
  });

  it('keeps PayPal paying when a move to a card is called off: the card never takes over, and the subscription ends with its period unless resumed with PayPal’s approval', async () => {
    const { subscriber, id } = await movingToCard('undo-to-card');
    const paidUntil = (await currentSubscription(t.db, subscriber.userId))!.currentPeriodEnd!;

    // PayPal will not take back the end it was given: the move is called off, and the subscription still ends unless resumed.
    expect(await undoSwitch(t.paypalDeps, subscriber)).toEqual({ provider: 'paypal', renews: false });
    expect(await undoSwitch(t.paypalDeps, subscriber)).toEqual({ provider: 'paypal', renews: false });
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ provider: 'paypal', status: 'active', cancelAtPeriodEnd: true, movingTo: null, currentPeriodEnd: paidUntil });
    expect(await undoAuditsOf(subscriber)).toHaveLength(1);
    const move = await moveOf(subscriber);
    expect(move.status).toBe('undone');
    // Resume is open again, with the buyer's approval at PayPal (it was refused while the card was to take over).
    expect((await startResumeApproval(t.paypalDeps, subscriber, resumeUrls)).approveUrl).toMatch(/^http/);

    // Not resumed: PayPal ends it with its period, and the worker starts nothing on the card.
    await advancePaypal(id, { seconds: 32 * 86_400 });
    await applyAll(id);
    expect(await switchJobsFor(move.id)).toBe(0);
    expect(await startSwitchedSubscription(switchDeps(), move.id)).toBe('skipped');
    expect(await stripeSubscriptionsOf(subscriber)).toEqual([]);
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ provider: 'paypal', status: 'canceled' });
    expect((await invoicesFor(t.db, subscriber.userId)).map((invoice) => invoice.amountPaid.amount)).toEqual([900]);
  });

  it('leaves a PayPal subscriber whose move to a card was called off carrying on with PayPal once they approve the resume', async () => {
    const { subscriber, id } = await movingToCard('undo-to-card-resume');
    const paidUntil = (await currentSubscription(t.db, subscriber.userId))!.currentPeriodEnd!;
    await undoSwitch(t.paypalDeps, subscriber);
    const { approveUrl } = await startResumeApproval(t.paypalDeps, subscriber, resumeUrls);
    expect((await decide(approveUrl, 'approve')).headers.get('location')).toMatch(/notice=resume-approved/);
    await applyAll(id);
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ provider: 'paypal', status: 'active', cancelAtPeriodEnd: false, nextCharge: { at: paidUntil } });

    await advancePaypal(id, { cycles: 1 });
    await applyAll(id);
    expect(await startSwitchedSubscription(switchDeps(), (await moveOf(subscriber)).id)).toBe('skipped');
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ provider: 'paypal', status: 'active' });
    expect(await stripeSubscriptionsOf(subscriber)).toEqual([]);
    expect((await invoicesFor(t.db, subscriber.userId)).map((invoice) => invoice.amountPaid.amount)).toEqual([900, 900]);
  });

  it('refuses when nothing is scheduled (no move, or one still waiting for PayPal’s approval), changing nothing', async () => {
    const none = await newSubscriber(t.db, 'undo-no-subscription');
    expect((await userFacingError(undoSwitch(t.deps, none))).code).toBe('no_switch');

    const { subscriber } = await subscribedByCard('undo-nothing-scheduled');
    const before = await everything(subscriber);
    expect((await userFacingError(undoSwitch(t.deps, subscriber))).code).toBe('no_switch');
    expect(await everything(subscriber)).toEqual(before);

    // PayPal's subscription made, not approved: the card subscription is not set to end, there is nothing to undo.
    await startSwitchToApproval(t.deps, t.paypalDeps, subscriber);
    const waiting = await everything(subscriber);
    expect((await userFacingError(undoSwitch(t.deps, subscriber))).code).toBe('no_switch');
    expect(await everything(subscriber)).toEqual(waiting);
  });

  it('never undoes another account’s move', async () => {
    const owner = await movingToPaypal('undo-owner');
    const stranger = await subscribedByCard('undo-stranger');
    const ownerBefore = await everything(owner.subscriber);
    const strangerBefore = await everything(stranger.subscriber);
    expect((await userFacingError(undoSwitch(t.deps, stranger.subscriber))).code).toBe('no_switch');
    expect(await everything(owner.subscriber)).toEqual(ownerBefore);
    expect(await everything(stranger.subscriber)).toEqual(strangerBefore);
    expect(await currentSubscription(t.db, owner.subscriber.userId)).toMatchObject({ movingTo: { provider: 'paypal' } });
  });

  it('refuses once the old subscription has ended, before and after the card has taken over, changing nothing', async () => {
    const { subscriber, id } = await movingToCard('undo-too-late');
    await advancePaypal(id, { seconds: 32 * 86_400 });
    await applyAll(id);
    const ended = await everything(subscriber);
    const refusal = await userFacingError(undoSwitch(t.paypalDeps, subscriber));
    expect(refusal).toMatchObject({ code: 'switch_started', message: expect.stringContaining('moved to your card') });
    expect(await everything(subscriber)).toEqual(ended);

    const move = await moveOf(subscriber);
    expect(await startSwitchedSubscription(switchDeps(), move.id)).toBe('started');
    await stripeEvents.applyNew();
    const started = await everything(subscriber);
    expect((await userFacingError(undoSwitch(t.deps, subscriber))).code).toBe('switch_started');
    expect(await everything(subscriber)).toEqual(started);
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ provider: 'stripe', status: 'active' });
  });
});

describe('cancelling a PayPal subscription', () => {
  it('keeps access until the paid period ends, with PayPal ending it then; it cannot be resumed at PayPal, and says why', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-cancel');
    const id = await subscribedWithPaypal(subscriber, 'starter-monthly-usd');
    const periodEnd = (await currentSubscription(t.db, subscriber.userId))!.currentPeriodEnd;
    const { endsAt } = await cancelSubscription(t.paypalDeps, subscriber);
    expect(endsAt).toEqual(periodEnd);
    await applyAll(id);
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ status: 'active', cancelAtPeriodEnd: true, cancelAt: periodEnd, nextCharge: null });
    expect(await entitlementsFor(t.db, subscriber.userId)).toMatchObject({ access: 'full' });

    const before = await snapshot(subscriber);
    const refusal = await userFacingError(resumeSubscription(t.paypalDeps, subscriber));
    expect(refusal).toMatchObject({ code: 'resume_refused', message: expect.stringContaining('stays active until the end of the period you paid for') });
    expect(await snapshot(subscriber)).toEqual(before);

    // PayPal's time for it passes the period's end: PayPal expires it, charging nothing more.
    await advancePaypal(id, { seconds: 32 * 86_400 });
    await applyAll(id);
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ status: 'canceled' });
    expect(await entitlementsFor(t.db, subscriber.userId)).toMatchObject({ access: 'none' });
    expect((await invoicesFor(t.db, subscriber.userId)).map((invoice) => invoice.amountPaid.amount)).toEqual([900]);
  });

  it('resumes with the buyer’s approval at PayPal while the paid period lasts, charging nothing again for it', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-resume');
    const id = await subscribedWithPaypal(subscriber, 'starter-monthly-usd');
    const periodEnd = (await currentSubscription(t.db, subscriber.userId))!.currentPeriodEnd!;
    const urls = { returnUrl: 'http://127.0.0.1:3000/account/billing?notice=resume-approved', cancelUrl: 'http://127.0.0.1:3000/account/billing?notice=resume-left' };
    expect((await userFacingError(startResumeApproval(t.paypalDeps, subscriber, urls))).code).toBe('not_canceling');
    await cancelSubscription(t.paypalDeps, subscriber);
    await applyAll(id);

    const { approveUrl } = await startResumeApproval(t.paypalDeps, subscriber, urls);
    expect((await decide(approveUrl, 'approve')).headers.get('location')).toMatch(/notice=resume-approved/);
    await applyAll(id);
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ status: 'active', cancelAtPeriodEnd: false, nextCharge: { amount: { amount: 900, currency: 'USD' }, at: periodEnd } });

    await advancePaypal(id, { cycles: 1 });
    await applyAll(id);
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ status: 'active' });
    expect((await invoicesFor(t.db, subscriber.userId)).map((invoice) => invoice.amountPaid.amount)).toEqual([900, 900]);
  });

  it('ends a PayPal free trial at once when it is cancelled: nothing was charged', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-cancel-trial');
    const id = await subscribedWithPaypal(subscriber, 'pro-monthly-usd');
    await cancelSubscription(t.paypalDeps, subscriber);
    await applyAll(id);
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ status: 'canceled' });
    expect(await invoicesFor(t.db, subscriber.userId)).toEqual([]);
  });
});

describe('one live subscription and one trial per account, across providers', () => {
  const disownedDeps = () => ({ db: t.db, depsOf: (name: string) => (name === 'paypal' ? t.paypalDeps : t.deps) });

  async function disownedJobsFor(subscriptionId: string): Promise<number> {
    const [row] = await t.db.execute<{ count: number }>(sql`select count(*)::int as count from pgboss.job where name = 'disowned-subscriptions' and data->>'subscriptionId' = ${subscriptionId}`);
    return row?.count ?? 0;
  }

  /** The subscription's status at PayPal, and its sales with their refunds. */
  async function paypalStateOf(id: string) {
    const [subscription] = await t.db.execute<{ status: string }>(sql`select data->'resource'->>'status' as status from sandbox.objects where type = 'paypal_subscription' and id = ${id}`);
    const sales = await t.db.execute<{ id: string; state: string }>(
      sql`select id, data->'resource'->>'state' as state from sandbox.objects where type = 'paypal_sale' and data->'resource'->>'billing_agreement_id' = ${id} order by seq`,
    );
    const refunds = await t.db.execute<{ sale: string }>(sql`select data->'resource'->>'sale_id' as sale from sandbox.objects where type = 'paypal_sale_refund'`);
    return { status: subscription?.status, sales: sales.map((sale) => ({ state: sale.state, refunds: refunds.filter((refund) => refund.sale === sale.id).length })) };
  }

  it('refuses PayPal to an account subscribed by card, changing nothing at PayPal or here', async () => {
    const subscriber = await newSubscriber(t.db, 'card-then-paypal');
    const started = await startSubscription(t.deps, subscriber, 'starter-monthly-usd');
    await confirmPayment(t, started.handoff);
    await stripeEvents.applyNew();
    const before = await snapshot(subscriber);
    const refusal = await userFacingError(startSubscription(t.paypalDeps, subscriber, 'pro-monthly-usd'));
    expect(refusal.code).toBe('already_subscribed');
    expect(await snapshot(subscriber)).toEqual(before);
  });

  it('refuses the card path to an account subscribed with PayPal', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-then-card');
    await subscribedWithPaypal(subscriber, 'starter-monthly-usd');
    const before = await snapshot(subscriber);
    expect((await userFacingError(startSubscription(t.deps, subscriber, 'starter-yearly-usd'))).code).toBe('already_subscribed');
    expect(await snapshot(subscriber)).toEqual(before);
  });

  it('gives up a PayPal subscription never approved when the subscriber pays by card instead, and keeps it given up whatever PayPal reports later', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-abandoned');
    const abandoned = await startSubscription(t.paypalDeps, subscriber, 'starter-monthly-usd');
    const byCard = await startSubscription(t.deps, subscriber, 'starter-monthly-usd');
    await confirmPayment(t, byCard.handoff);
    await stripeEvents.applyNew();
    // PayPal's own events about the abandoned one arrive late.
    await applyAll(paypalIdOf(abandoned));
    const rows = await rowsOf(subscriber);
    expect(rows.map((row) => [row.provider, row.status])).toEqual([
      ['paypal', 'incomplete_expired'],
      ['stripe', 'active'],
    ]);
    expect((await currentSubscription(t.db, subscriber.userId))?.provider).toBe('stripe');
  });

  it('ends a given-up PayPal subscription the buyer approves later from a window left open, and refunds its payment, leaving the card one alone', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-stale-approval');
    const abandoned = await startSubscription(t.paypalDeps, subscriber, 'starter-monthly-usd');
    const byCard = await startSubscription(t.deps, subscriber, 'starter-monthly-usd');
    await confirmPayment(t, byCard.handoff);
    await stripeEvents.applyNew();
    // The PayPal window was never closed: the buyer approves there, and PayPal takes the first payment.
    await approve(abandoned);
    const id = paypalIdOf(abandoned);
    await applyAll(id);
    const [given] = (await rowsOf(subscriber)).filter((row) => row.provider === 'paypal');
    expect(given?.status).toBe('incomplete_expired');
    expect(await disownedJobsFor(given!.id)).toBe(1);
    // Every later event about it queues nothing more while that job waits.
    await applyAll(id);
    expect(await disownedJobsFor(given!.id)).toBe(1);
    expect(await entitlementsFor(t.db, subscriber.userId)).toMatchObject({ access: 'full' });
    expect((await currentSubscription(t.db, subscriber.userId))?.provider).toBe('stripe');

    const closed = await closeDisownedSubscription(disownedDeps(), given!.id);
    expect(closed.outcome).toBe('closed');
    expect(closed.outcome === 'closed' && closed.refunded.map((invoice) => invoice.amountPaid.amount)).toEqual([900]);
    // A retried job (its answer lost) refunds nothing twice.
    expect(await closeDisownedSubscription(disownedDeps(), given!.id)).toMatchObject({ outcome: 'closed' });
    await applyAll(id);
    expect(await paypalStateOf(id)).toEqual({ status: 'CANCELLED', sales: [{ state: 'refunded', refunds: 1 }] });
    const rows = await rowsOf(subscriber);
    expect(rows.map((row) => [row.provider, row.status])).toEqual([
      ['paypal', 'incomplete_expired'],
      ['stripe', 'active'],
    ]);
    expect(await disownedJobsFor(given!.id)).toBe(1);
    const [audit] = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, given!.id), eq(auditLog.action, 'subscription.disowned_refunded')));
    expect(audit?.data).toMatchObject({ provider: 'paypal', providerSubscriptionId: id, refunded: [{ amount: 900, currency: 'USD' }] });
  });

  it('leaves a subscription alone that Billfold did not give up', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-not-disowned');
    await subscribedWithPaypal(subscriber, 'starter-monthly-usd');
    const [row] = await rowsOf(subscriber);
    const before = await snapshot(subscriber);
    expect(await closeDisownedSubscription(disownedDeps(), row!.id)).toEqual({ outcome: 'not_disowned' });
    expect(await snapshot(subscriber)).toEqual(before);
  });

  it('gives the free trial once per account: after a PayPal trial, the card path charges today, and the other way round', async () => {
    const viaPaypal = await newSubscriber(t.db, 'trial-paypal');
    await subscribedWithPaypal(viaPaypal, 'pro-monthly-usd');
    expect((await currentSubscription(t.db, viaPaypal.userId))?.status).toBe('trialing');
    expect(await trialDaysFor(t.db, viaPaypal.userId, { trialDays: 14 })).toBeNull();

    const viaCard = await newSubscriber(t.db, 'trial-card');
    const started = await startSubscription(t.deps, viaCard, 'pro-monthly-usd');
    expect(started.step).toBe('card');
    expect(await trialDaysFor(t.db, viaCard.userId, { trialDays: 14 })).toBe(14);
  });
});

describe('refusing bad input, and other accounts', () => {
  it('refuses an unknown plan with PayPal, changing nothing', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-unknown');
    const before = await snapshot(subscriber);
    expect((await userFacingError(startSubscription(t.paypalDeps, subscriber, 'no-such-plan'))).code).toBe('unknown_plan');
    expect((await userFacingError(startSubscription(t.paypalDeps, subscriber, 'field-notebook-usd'))).code).toBe('unknown_plan');
    expect(await snapshot(subscriber)).toEqual(before);
  });

  it('never shows or changes another account’s PayPal subscription', async () => {
    const owner = await newSubscriber(t.db, 'paypal-owner');
    await subscribedWithPaypal(owner, 'starter-monthly-usd');
    const stranger = await newSubscriber(t.db, 'paypal-stranger');
    expect(await currentSubscription(t.db, stranger.userId)).toBeNull();
    expect(await invoicesFor(t.db, stranger.userId)).toEqual([]);
    const before = await snapshot(owner);
    expect((await userFacingError(cancelSubscription(t.paypalDeps, stranger))).code).toBe('no_subscription');
    expect((await userFacingError(changePlan(t.paypalDeps, stranger, 'starter-yearly-usd'))).code).toBe('no_subscription');
    expect(await snapshot(owner)).toEqual(before);
  });
});
