import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { customers, invoices, prices, subscriptions } from '@/db/schema';
import { userFacingError } from '@/test/errors';
import {
  advanceClock,
  allEvents,
  applyEvent,
  APRIL_1,
  clientSecretOf,
  confirmPayment,
  confirmSetup,
  DAY,
  emailsTo,
  eventApplier,
  newSubscriber,
  subscriberOnClock,
  subscriptionTestContext,
  type SubscriptionTestContext,
} from '@/test/subscriptions';
import { entitlementsFor } from './entitlements';
import { finishPaymentMethodUpdate, payOpenInvoice, startPaymentMethodUpdate } from './payment-methods';
import { cancelSubscription, changePlan, previewPlanChange, resumeSubscription } from './plan-changes';
import { startSubscription, trialDaysFor } from './subscribe';
import { billingAlertFor, currentSubscription, invoicesFor, type Subscriber } from './subscriptions';

const t: SubscriptionTestContext = subscriptionTestContext();
const events = eventApplier(t);

async function subscriptionsAtSandbox(subscriber: Subscriber) {
  const [customer] = await t.db.select().from(customers).where(eq(customers.userId, subscriber.userId));
  if (!customer) return [];
  return (await t.sandbox.stripe.subscriptions.list({ customer: customer.providerCustomerId, status: 'all', limit: 100 })).data;
}

async function rowsOf(subscriber: Subscriber) {
  return t.db.select().from(subscriptions).where(eq(subscriptions.userId, subscriber.userId));
}

/** Subscribes and pays the first invoice in the browser, then applies the webhooks. */
async function subscribed(subscriber: Subscriber, lookupKey: string, cardNumber = '4242424242424242') {
  const started = await startSubscription(t.deps, subscriber, lookupKey);
  if (started.step === 'payment') await confirmPayment(t, started.handoff, cardNumber);
  else await confirmSetup(t, started.handoff, cardNumber);
  await events.applyNew();
  return started;
}

/** Everything the sandbox and our database hold, to prove a refusal changed neither. */
async function snapshot() {
  return {
    events: (await allEvents(t)).length,
    subscriptions: await t.db.select().from(subscriptions).orderBy(subscriptions.id),
    invoices: await t.db.select().from(invoices).orderBy(invoices.id),
  };
}

describe('subscribing', () => {
  it('starts a monthly plan that waits for the first payment, and is active once the webhooks report it paid', async () => {
    const subscriber = await newSubscriber(t.db, 'monthly');
    const started = await startSubscription(t.deps, subscriber, 'starter-monthly-usd');
    expect(started.step).toBe('payment');
    const [atSandbox] = await subscriptionsAtSandbox(subscriber);
    expect(atSandbox).toMatchObject({ status: 'incomplete', payment_settings: { save_default_payment_method: 'on_subscription' } });
    expect(atSandbox?.items.data[0]?.price).toMatchObject({ lookup_key: 'starter-monthly-usd', unit_amount: 900, currency: 'usd' });
    expect((await currentSubscription(t.db, subscriber.userId))?.status).toBe('incomplete');
    expect((await entitlementsFor(t.db, subscriber.userId)).access).toBe('none');

    await confirmPayment(t, started.handoff);
    await events.applyNew();

    const view = await currentSubscription(t.db, subscriber.userId);
    expect(view).toMatchObject({
      id: started.subscriptionId,
      status: 'active',
      plan: { productName: 'Starter', lookupKey: 'starter-monthly-usd', interval: 'month', price: { amount: 900, currency: 'USD' } },
      cancelAtPeriodEnd: false,
      pendingChange: null,
      paymentMethod: { brand: 'visa', last4: '4242' },
      openInvoice: null,
    });
    expect(view?.nextCharge).toEqual({ amount: { amount: 900, currency: 'USD' }, at: view?.currentPeriodEnd });
    const list = await invoicesFor(t.db, subscriber.userId);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ status: 'paid', amountDue: { amount: 900, currency: 'USD' }, amountPaid: { amount: 900, currency: 'USD' } });
    expect(list[0]?.invoicePdf).toMatch(/^http/);
    expect(list[0]?.hostedInvoiceUrl).toMatch(/^http/);
    expect(await entitlementsFor(t.db, subscriber.userId)).toEqual({ access: 'full', plan: { slug: 'starter', name: 'Starter' }, status: 'active', reason: expect.any(String) });
    expect(await billingAlertFor(t.db, subscriber.userId)).toBeNull();
  });

  it('creates one subscription at the provider and one row when subscribe is submitted many times at once', async () => {
    const subscriber = await newSubscriber(t.db, 'double');
    const results = await Promise.all(Array.from({ length: 6 }, () => startSubscription(t.deps, subscriber, 'starter-monthly-usd')));
    expect(new Set(results.map((result) => result.subscriptionId)).size).toBe(1);
    expect(new Set(results.map((result) => JSON.stringify(result.handoff))).size).toBe(1);
    expect(await subscriptionsAtSandbox(subscriber)).toHaveLength(1);
    expect(await rowsOf(subscriber)).toHaveLength(1);
    await events.applyNew();
    expect(await rowsOf(subscriber)).toHaveLength(1);
  });

  it('hands back the waiting subscription for the same plan, and replaces it when another plan is picked', async () => {
    const subscriber = await newSubscriber(t.db, 'switch');
    const first = await startSubscription(t.deps, subscriber, 'starter-monthly-usd');
    const again = await startSubscription(t.deps, subscriber, 'starter-monthly-usd');
    expect(again).toEqual(first);

    const other = await startSubscription(t.deps, subscriber, 'starter-yearly-usd');
    expect(other.subscriptionId).not.toBe(first.subscriptionId);
    const atSandbox = await subscriptionsAtSandbox(subscriber);
    expect(atSandbox.map((subscription) => subscription.status).sort()).toEqual(['canceled', 'incomplete']);
    // The abandoned first payment can no longer be made.
    await expect(confirmPayment(t, first.handoff)).rejects.toThrow();

    await events.applyNew();
    const rows = await rowsOf(subscriber);
    expect(rows.map((row) => row.status).sort()).toEqual(['canceled', 'incomplete']);
    expect((await currentSubscription(t.db, subscriber.userId))?.plan.lookupKey).toBe('starter-yearly-usd');
  });

  it('refuses a second subscription while one is live', async () => {
    const subscriber = await newSubscriber(t.db, 'twice');
    await subscribed(subscriber, 'starter-monthly-usd');
    const before = await snapshot();
    const refusal = await userFacingError(startSubscription(t.deps, subscriber, 'pro-monthly-usd'));
    expect(refusal.code).toBe('already_subscribed');
    const again = await userFacingError(startSubscription(t.deps, subscriber, 'starter-monthly-usd'));
    expect(again.code).toBe('already_subscribed');
    expect(await snapshot()).toEqual(before);
  });

  it('starts a trial plan as trialing, with the card saved through the SetupIntent', async () => {
    const subscriber = await newSubscriber(t.db, 'trial');
    const started = await startSubscription(t.deps, subscriber, 'pro-monthly-usd');
    expect(started.step).toBe('card');
    await confirmSetup(t, started.handoff, '4242424242424242');
    await events.applyNew();

    const view = await currentSubscription(t.db, subscriber.userId);
    expect(view).toMatchObject({ status: 'trialing', plan: { lookupKey: 'pro-monthly-usd', trialDays: 14 }, paymentMethod: { last4: '4242' } });
    const trialDays = ((view?.trialEnd?.getTime() ?? 0) - Date.now()) / (DAY * 1000);
    expect(trialDays).toBeGreaterThan(13.9);
    expect(trialDays).toBeLessThanOrEqual(14);
    expect(view?.nextCharge).toEqual({ amount: { amount: 2900, currency: 'USD' }, at: view?.trialEnd });
    const [atSandbox] = await subscriptionsAtSandbox(subscriber);
    expect(atSandbox?.default_payment_method).toBeTruthy();
    expect(atSandbox?.pending_setup_intent).toBeNull();
    expect((await entitlementsFor(t.db, subscriber.userId)).access).toBe('full');
    // Nothing was charged: the first invoice is for the trial.
    expect((await invoicesFor(t.db, subscriber.userId)).map((invoice) => invoice.amountDue.amount)).toEqual([0]);
  });

  it('gives a trial whose card was never saved no access, and cancels it when the trial ends', async () => {
    const { subscriber, clock } = await subscriberOnClock(t, 'cardless');
    const started = await startSubscription(t.deps, subscriber, 'pro-monthly-usd');
    expect(started.step).toBe('card');
    await events.applyNew(); // the subscriber walked away from the card form
    const view = await currentSubscription(t.db, subscriber.userId);
    expect(view).toMatchObject({ status: 'trialing', paymentMethod: null });
    expect(await entitlementsFor(t.db, subscriber.userId)).toMatchObject({ access: 'none', plan: null, reason: 'Your free trial starts once your card is saved.' });

    await advanceClock(t, clock, Math.floor(view!.trialEnd!.getTime() / 1000) + 2 * 3600);
    await events.applyNew();
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ status: 'canceled' });
    expect((await entitlementsFor(t.db, subscriber.userId)).access).toBe('none');

    // That trial never gave access, so it was not used: subscribing again starts a trial.
    expect((await startSubscription(t.deps, subscriber, 'pro-monthly-usd')).step).toBe('card');
  });

  it('gives a free trial once per account: after a trial with a card, or a paid plan, the trial plan is paid for today', async () => {
    const { subscriber, clock } = await subscriberOnClock(t, 'second-trial');
    expect(await trialDaysFor(t.db, subscriber.userId, { trialDays: 14 })).toBe(14);
    await subscribed(subscriber, 'pro-monthly-usd');
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ status: 'trialing' });
    const { endsAt } = await cancelSubscription(t.deps, subscriber);
    await advanceClock(t, clock, Math.floor(endsAt.getTime() / 1000) + DAY);
    await events.applyNew();
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ status: 'canceled' });
    expect(await trialDaysFor(t.db, subscriber.userId, { trialDays: 14 })).toBeNull();

    const again = await subscribed(subscriber, 'pro-monthly-usd');
    expect(again.step).toBe('payment');
    const view = await currentSubscription(t.db, subscriber.userId);
    expect(view).toMatchObject({ status: 'active', trialEnd: null, plan: { lookupKey: 'pro-monthly-usd' } });
    expect((await invoicesFor(t.db, subscriber.userId)).map((invoice) => [invoice.amountDue.amount, invoice.status])).toContainEqual([2900, 'paid']);

    // An account whose only subscription was a paid plan gets no trial either.
    const payer = await newSubscriber(t.db, 'paid-first');
    await subscribed(payer, 'starter-monthly-usd');
    await t.db.update(subscriptions).set({ status: 'canceled' }).where(eq(subscriptions.userId, payer.userId));
    expect(await trialDaysFor(t.db, payer.userId, { trialDays: 14 })).toBeNull();
  });
});

describe('refusing bad input, changing nothing at the provider or here', () => {
  it('refuses an unknown plan, a one-off price and an inactive price when subscribing', async () => {
    const subscriber = await newSubscriber(t.db, 'unknown');
    await t.db
      .insert(prices)
      .values({
        productId: sql`(select id from products where slug = 'starter')`,
        lookupKey: 'starter-weekly-usd-retired',
        amount: 300,
        currency: 'USD',
        type: 'recurring',
        interval: 'week',
        active: false,
      });
    const before = await snapshot();
    for (const lookupKey of ['no-such-plan', 'field-notebook-usd', 'starter-weekly-usd-retired']) {
      const refusal = await userFacingError(startSubscription(t.deps, subscriber, lookupKey));
      expect(refusal).toMatchObject({ code: 'unknown_plan', message: expect.stringContaining('not available') });
    }
    expect(await snapshot()).toEqual(before);
    expect(await t.db.select().from(customers).where(eq(customers.userId, subscriber.userId))).toHaveLength(0);
  });

  it('refuses switching to the current plan, to a plan in another currency or to an unknown one', async () => {
    const subscriber = await newSubscriber(t.db, 'badchange');
    await subscribed(subscriber, 'starter-monthly-usd');
    const before = await snapshot();
    const cases: [string, string][] = [
      ['starter-monthly-usd', 'same_plan'],
      ['pro-monthly-jpy', 'currency_mismatch'],
      ['no-such-plan', 'unknown_plan'],
      ['field-notebook-usd', 'unknown_plan'],
    ];
    for (const [lookupKey, code] of cases) {
      expect((await userFacingError(changePlan(t.deps, subscriber, lookupKey))).code).toBe(code);
      expect((await userFacingError(previewPlanChange(t.deps, subscriber, lookupKey))).code).toBe(code);
    }
    const currency = await userFacingError(changePlan(t.deps, subscriber, 'pro-monthly-jpy'));
    expect(currency.message).toBe('Your subscription is billed in USD. Choose a plan priced in USD.');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses cancelling twice and resuming a subscription that is not ending', async () => {
    const subscriber = await newSubscriber(t.db, 'cancel2');
    await subscribed(subscriber, 'starter-monthly-usd');
    expect((await userFacingError(resumeSubscription(t.deps, subscriber))).code).toBe('not_canceling');
    const { endsAt } = await cancelSubscription(t.deps, subscriber);
    await events.applyNew();
    const before = await snapshot();
    const twice = await userFacingError(cancelSubscription(t.deps, subscriber));
    expect(twice.code).toBe('already_canceling');
    expect(twice.message).toContain(new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(endsAt));
    expect(await snapshot()).toEqual(before);
  });

  it('refuses everything to an account that never subscribed', async () => {
    const subscriber = await newSubscriber(t.db, 'nobody');
    const before = await snapshot();
    expect((await userFacingError(changePlan(t.deps, subscriber, 'pro-monthly-usd'))).code).toBe('no_subscription');
    expect((await userFacingError(previewPlanChange(t.deps, subscriber, 'pro-monthly-usd'))).code).toBe('no_subscription');
    expect((await userFacingError(cancelSubscription(t.deps, subscriber))).code).toBe('no_subscription');
    expect((await userFacingError(resumeSubscription(t.deps, subscriber))).code).toBe('no_subscription');
    expect((await userFacingError(payOpenInvoice(t.deps, subscriber))).code).toBe('nothing_to_pay');
    expect((await userFacingError(startPaymentMethodUpdate(t.deps, subscriber))).code).toBe('no_subscription');
    expect(await snapshot()).toEqual(before);
  });
});

describe('one account never reaches another’s subscription', () => {
  it('reads, changes, cancels, previews, pays and saves cards only for the caller', async () => {
    const owner = await newSubscriber(t.db, 'owner');
    await subscribed(owner, 'starter-monthly-usd');
    const ownerSetup = await startPaymentMethodUpdate(t.deps, owner);
    const setupIntentId = clientSecretOf(ownerSetup.handoff).split('_secret_')[0]!;
    await confirmSetup(t, ownerSetup.handoff);
    const stranger = await newSubscriber(t.db, 'stranger');
    await subscribed(stranger, 'starter-yearly-usd');

    expect((await currentSubscription(t.db, stranger.userId))?.plan.lookupKey).toBe('starter-yearly-usd');
    const ownerInvoiceIds = (await invoicesFor(t.db, owner.userId)).map((invoice) => invoice.id);
    expect((await invoicesFor(t.db, stranger.userId)).some((invoice) => ownerInvoiceIds.includes(invoice.id))).toBe(false);

    const before = await snapshot();
    // The owner's SetupIntent id, guessed or stolen, is "not found" to anyone else.
    const guessed = await userFacingError(finishPaymentMethodUpdate(t.deps, stranger, setupIntentId));
    expect(guessed).toMatchObject({ code: 'not_found', message: 'That card setup was not found.' });
    expect((await userFacingError(finishPaymentMethodUpdate(t.deps, stranger, 'seti_doesnotexist'))).code).toBe('not_found');
    expect(await snapshot()).toEqual(before);

    // What the stranger does changes their own subscription only.
    await cancelSubscription(t.deps, stranger);
    await events.applyNew();
    expect((await currentSubscription(t.db, owner.userId))?.cancelAtPeriodEnd).toBe(false);
    expect((await currentSubscription(t.db, stranger.userId))?.cancelAtPeriodEnd).toBe(true);
    expect((await userFacingError(payOpenInvoice(t.deps, stranger))).code).toBe('nothing_to_pay');
  });
});

describe('changing plans', () => {
  it('upgrades now, charging the proration shown in the preview', async () => {
    const { subscriber, clock } = await subscriberOnClock(t, 'upgrade');
    await subscribed(subscriber, 'starter-monthly-usd');
    await advanceClock(t, clock, APRIL_1 + 15 * DAY);
    await events.applyNew();

    const preview = await previewPlanChange(t.deps, subscriber, 'pro-monthly-usd');
    expect(preview.timing).toBe('now');
    // Half of April unused on Starter, half of April on Pro: (2900 − 900) / 2.
    expect(preview.amountDue).toEqual({ amount: 1000, currency: 'USD' });
    expect(preview.lines.map((line) => line.amount.amount).sort((a, b) => a - b)).toEqual([-450, 1450]);

    const result = await changePlan(t.deps, subscriber, 'pro-monthly-usd');
    expect(result.timing).toBe('now');
    await events.applyNew();
    const view = await currentSubscription(t.db, subscriber.userId);
    expect(view).toMatchObject({ status: 'active', plan: { lookupKey: 'pro-monthly-usd' }, pendingChange: null });
    const [proration] = await invoicesFor(t.db, subscriber.userId);
    expect(proration).toMatchObject({ status: 'paid', amountPaid: { amount: 1000, currency: 'USD' } });
    expect((await entitlementsFor(t.db, subscriber.userId)).plan).toEqual({ slug: 'pro', name: 'Pro' });
  });

  it('downgrades at the period end through a schedule, and the renewal then charges the new plan', async () => {
    const { subscriber, clock } = await subscriberOnClock(t, 'downgrade');
    await subscribed(subscriber, 'pro-monthly-usd');
    const trialEnd = (await currentSubscription(t.db, subscriber.userId))!.trialEnd!;
    await advanceClock(t, clock, Math.floor(trialEnd.getTime() / 1000) + 2 * 3600);
    await events.applyNew();
    const pro = await currentSubscription(t.db, subscriber.userId);
    expect(pro).toMatchObject({ status: 'active', plan: { lookupKey: 'pro-monthly-usd' } });
    const periodEnd = pro!.currentPeriodEnd!;

    const preview = await previewPlanChange(t.deps, subscriber, 'starter-monthly-usd');
    expect(preview).toMatchObject({ timing: 'period_end', effectiveAt: periodEnd, amountDue: { amount: 900, currency: 'USD' } });
    expect(await changePlan(t.deps, subscriber, 'starter-monthly-usd')).toEqual({ timing: 'period_end', effectiveAt: periodEnd });
    await events.applyNew();
    const pending = await currentSubscription(t.db, subscriber.userId);
    expect(pending).toMatchObject({
      status: 'active',
      plan: { lookupKey: 'pro-monthly-usd' },
      pendingChange: { plan: { lookupKey: 'starter-monthly-usd' }, effectiveAt: periodEnd },
      nextCharge: { amount: { amount: 900, currency: 'USD' }, at: periodEnd },
    });
    expect((await entitlementsFor(t.db, subscriber.userId)).plan).toEqual({ slug: 'pro', name: 'Pro' });
    const before = await snapshot();
    expect((await userFacingError(changePlan(t.deps, subscriber, 'starter-monthly-usd'))).code).toBe('already_scheduled');
    expect(await snapshot()).toEqual(before);

    await advanceClock(t, clock, Math.floor(periodEnd.getTime() / 1000) + 2 * 3600);
    await events.applyNew();
    const starter = await currentSubscription(t.db, subscriber.userId);
    expect(starter).toMatchObject({ status: 'active', plan: { lookupKey: 'starter-monthly-usd' }, pendingChange: null });
    expect((await invoicesFor(t.db, subscriber.userId))[0]).toMatchObject({ status: 'paid', amountPaid: { amount: 900, currency: 'USD' } });
    expect((await entitlementsFor(t.db, subscriber.userId)).plan).toEqual({ slug: 'starter', name: 'Starter' });
  });

  it('changes plan at once during a trial, charging nothing until the trial ends on the new plan', async () => {
    const { subscriber, clock } = await subscriberOnClock(t, 'trialchange');
    await subscribed(subscriber, 'pro-monthly-usd');
    const preview = await previewPlanChange(t.deps, subscriber, 'starter-monthly-usd');
    expect(preview).toMatchObject({ timing: 'now', amountDue: { amount: 0, currency: 'USD' } });
    expect((await changePlan(t.deps, subscriber, 'starter-monthly-usd')).timing).toBe('now');
    await events.applyNew();
    const view = await currentSubscription(t.db, subscriber.userId);
    expect(view).toMatchObject({ status: 'trialing', plan: { lookupKey: 'starter-monthly-usd' }, pendingChange: null, nextCharge: { amount: { amount: 900, currency: 'USD' } } });

    await advanceClock(t, clock, Math.floor(view!.trialEnd!.getTime() / 1000) + 2 * 3600);
    await events.applyNew();
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ status: 'active', plan: { lookupKey: 'starter-monthly-usd' } });
    expect((await invoicesFor(t.db, subscriber.userId))[0]).toMatchObject({ status: 'paid', amountPaid: { amount: 900, currency: 'USD' } });
  });

  it('drops a pending downgrade when the subscriber keeps the current plan, upgrades, or cancels', async () => {
    const subscriber = await newSubscriber(t.db, 'pending');
    await subscribed(subscriber, 'starter-monthly-usd');
    const pendingLookupKey = async () => (await currentSubscription(t.db, subscriber.userId))?.pendingChange?.plan.lookupKey ?? null;

    expect((await changePlan(t.deps, subscriber, 'starter-yearly-usd')).timing).toBe('period_end');
    expect(await pendingLookupKey()).toBe('starter-yearly-usd');
    expect((await changePlan(t.deps, subscriber, 'starter-monthly-usd')).timing).toBe('now');
    expect(await pendingLookupKey()).toBeNull();

    // The same downgrade again in the same period is a new change at the provider.
    await changePlan(t.deps, subscriber, 'starter-yearly-usd');
    expect(await pendingLookupKey()).toBe('starter-yearly-usd');
    expect((await changePlan(t.deps, subscriber, 'pro-monthly-usd')).timing).toBe('now');
    await events.applyNew();
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ plan: { lookupKey: 'pro-monthly-usd' }, pendingChange: null });
    const [atSandbox] = await subscriptionsAtSandbox(subscriber);
    expect(atSandbox?.schedule).toBeNull();

    await changePlan(t.deps, subscriber, 'starter-monthly-usd');
    expect(await pendingLookupKey()).toBe('starter-monthly-usd');
    await cancelSubscription(t.deps, subscriber);
    await events.applyNew();
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ plan: { lookupKey: 'pro-monthly-usd' }, pendingChange: null, cancelAtPeriodEnd: true });
    expect((await userFacingError(changePlan(t.deps, subscriber, 'starter-monthly-usd'))).code).toBe('cancellation_pending');
  });

  it('leaves the plan, and a downgrade planned for the period end, as they were when the upgrade’s charge is declined', async () => {
    const subscriber = await newSubscriber(t.db, 'declined');
    await subscribed(subscriber, 'starter-monthly-usd');
    const update = await startPaymentMethodUpdate(t.deps, subscriber);
    const setup = await confirmSetup(t, update.handoff, '4000000000000341');
    await finishPaymentMethodUpdate(t.deps, subscriber, setup.id);
    expect((await changePlan(t.deps, subscriber, 'starter-yearly-usd')).timing).toBe('period_end');
    await events.applyNew();
    const before = await currentSubscription(t.db, subscriber.userId);
    expect(before?.pendingChange?.plan.lookupKey).toBe('starter-yearly-usd');

    const refusal = await userFacingError(changePlan(t.deps, subscriber, 'pro-monthly-usd'));
    expect(refusal.code).toBe('card_declined');
    await events.applyNew();
    const [atSandbox] = await subscriptionsAtSandbox(subscriber);
    expect(atSandbox?.items.data[0]?.price.lookup_key).toBe('starter-monthly-usd');
    expect(atSandbox?.schedule).not.toBeNull();
    const after = await currentSubscription(t.db, subscriber.userId);
    expect(after?.plan).toEqual(before?.plan);
    expect(after?.pendingChange?.plan.lookupKey).toBe('starter-yearly-usd');
  });
});

describe('cancelling and resuming', () => {
  it('cancels at the period end, resumes before it, and cannot resume once it has ended', async () => {
    const { subscriber, clock } = await subscriberOnClock(t, 'cancel');
    await subscribed(subscriber, 'starter-monthly-usd');
    const { endsAt } = await cancelSubscription(t.deps, subscriber);
    await events.applyNew();
    let view = await currentSubscription(t.db, subscriber.userId);
    expect(endsAt).toEqual(view?.currentPeriodEnd);
    expect(view).toMatchObject({ status: 'active', cancelAtPeriodEnd: true, cancelAt: endsAt, nextCharge: null });

    await resumeSubscription(t.deps, subscriber);
    await events.applyNew();
    view = await currentSubscription(t.db, subscriber.userId);
    expect(view).toMatchObject({ cancelAtPeriodEnd: false, cancelAt: null });

    // Cancelled again in the same period: a new request at the provider, not a replay of the first.
    await cancelSubscription(t.deps, subscriber);
    await advanceClock(t, clock, Math.floor(endsAt.getTime() / 1000) + DAY);
    await events.applyNew();
    expect((await currentSubscription(t.db, subscriber.userId))?.status).toBe('canceled');
    expect(await entitlementsFor(t.db, subscriber.userId)).toMatchObject({ access: 'none', plan: null, status: 'canceled' });

    const before = await snapshot();
    const refusal = await userFacingError(resumeSubscription(t.deps, subscriber));
    expect(refusal).toMatchObject({ code: 'already_ended', message: expect.stringContaining('cannot be resumed') });
    expect((await userFacingError(cancelSubscription(t.deps, subscriber))).code).toBe('already_ended');
    expect(await snapshot()).toEqual(before);
  });
});

describe('renewals and dunning, driven by the test clock', () => {
  it('renews on the card on file', async () => {
    const { subscriber, clock } = await subscriberOnClock(t, 'renew');
    await subscribed(subscriber, 'starter-monthly-usd');
    const first = await currentSubscription(t.db, subscriber.userId);
    await advanceClock(t, clock, Math.floor(first!.currentPeriodEnd!.getTime() / 1000) + 2 * 3600);
    await events.applyNew();
    const renewed = await currentSubscription(t.db, subscriber.userId);
    expect(renewed?.status).toBe('active');
    expect(renewed!.currentPeriodEnd!.getTime()).toBeGreaterThan(first!.currentPeriodEnd!.getTime());
    const list = await invoicesFor(t.db, subscriber.userId);
    expect(list.map((invoice) => [invoice.status, invoice.amountPaid.amount])).toEqual([
      ['paid', 900],
      ['paid', 900],
    ]);
  });

  it('renews a subscription whose customer Billfold made, moved through time by the sandbox one customer at a time', async () => {
    const subscriber = await newSubscriber(t.db, 'traveller');
    await subscribed(subscriber, 'starter-monthly-usd');
    const [customer] = await t.db.select().from(customers).where(eq(customers.userId, subscriber.userId));
    const response = await fetch(`${t.sandbox.server.url}/_sandbox/customers/${customer!.providerCustomerId}/advance`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ days: 32 }),
    });
    expect(response.status).toBe(200);
    await events.applyNew();
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ status: 'active', openInvoice: null });
    expect((await invoicesFor(t.db, subscriber.userId)).map((invoice) => invoice.status)).toEqual(['paid', 'paid']);
  });

  it('goes past_due when the renewal fails, emails the subscriber, and is active again after paying with a new card', async () => {
    const { subscriber, clock } = await subscriberOnClock(t, 'dunning');
    await subscribed(subscriber, 'starter-monthly-usd');
    // The card on file becomes one that attaches but whose every charge fails.
    const update = await startPaymentMethodUpdate(t.deps, subscriber);
    const setup = await confirmSetup(t, update.handoff, '4000000000000341');
    await finishPaymentMethodUpdate(t.deps, subscriber, setup.id);
    const periodEnd = (await currentSubscription(t.db, subscriber.userId))!.currentPeriodEnd!;
    expect((await currentSubscription(t.db, subscriber.userId))?.paymentMethod?.last4).toBe('0341');

    await advanceClock(t, clock, Math.floor(periodEnd.getTime() / 1000) + 2 * 3600);
    await events.applyNew();
    const behind = await currentSubscription(t.db, subscriber.userId);
    expect(behind).toMatchObject({ status: 'past_due', openInvoice: { amountDue: { amount: 900, currency: 'USD' }, needsAction: false } });
    expect(await entitlementsFor(t.db, subscriber.userId)).toMatchObject({ access: 'grace', status: 'past_due' });
    expect(await billingAlertFor(t.db, subscriber.userId)).toMatchObject({ kind: 'past_due', amountDue: { amount: 900, currency: 'USD' } });
    const dunning = (await emailsTo(t.db, subscriber.email)).filter((email) => email.kind === 'payment_failed');
    expect(dunning).toHaveLength(1);
    expect(dunning[0]?.text).toContain('/account/billing/pay');
    expect(dunning[0]?.subject).toBe('Your payment of $9.00 failed');
    // The same events again send nothing more.
    for (const event of await allEvents(t)) await applyEvent(t, event);
    expect((await emailsTo(t.db, subscriber.email)).filter((email) => email.kind === 'payment_failed')).toHaveLength(1);

    const pay = await payOpenInvoice(t.deps, subscriber);
    expect(pay.amountDue).toEqual({ amount: 900, currency: 'USD' });
    const paid = await confirmPayment(t, pay.handoff, '5555555555554444');
    expect(paid.status).toBe('succeeded');
    await events.applyNew();

    const settled = await currentSubscription(t.db, subscriber.userId);
    expect(settled).toMatchObject({ status: 'active', openInvoice: null, paymentMethod: { brand: 'mastercard', last4: '4444' } });
    expect(await billingAlertFor(t.db, subscriber.userId)).toBeNull();
    expect((await entitlementsFor(t.db, subscriber.userId)).access).toBe('full');
    // The new card is the default for what follows, at the customer and the subscription.
    const [customer] = await t.db.select().from(customers).where(eq(customers.userId, subscriber.userId));
    const atSandbox = await t.sandbox.stripe.customers.retrieve(customer!.providerCustomerId, { expand: ['invoice_settings.default_payment_method'] });
    expect(atSandbox.deleted).toBeFalsy();
    const [subscription] = await subscriptionsAtSandbox(subscriber);
    expect(subscription?.default_payment_method).toBe(paid.payment_method);
    if (!atSandbox.deleted) expect((atSandbox.invoice_settings.default_payment_method as { id: string } | null)?.id).toBe(paid.payment_method);
    const [invoice] = await t.db
      .select()
      .from(invoices)
      .where(and(eq(invoices.customerId, customer!.id), eq(invoices.billingReason, 'subscription_cycle')));
    expect(invoice).toMatchObject({ status: 'paid', amountPaid: 900 });
  });

  it('asks the subscriber to confirm a renewal their bank wants authenticated, by email and in the app', async () => {
    const { subscriber, clock } = await subscriberOnClock(t, 'authenticate');
    await subscribed(subscriber, 'starter-monthly-usd');
    // A card that always asks for 3-D Secure, saved with the challenge completed.
    const update = await startPaymentMethodUpdate(t.deps, subscriber);
    const setup = await confirmSetup(t, update.handoff, '4000002760003184');
    expect(setup.status).toBe('requires_action');
    const challenge = await fetch(`${t.sandbox.server.url}/3ds/challenge/${setup.id}/complete`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_secret: clientSecretOf(update.handoff) }),
    });
    expect(challenge.status).toBe(200);
    await finishPaymentMethodUpdate(t.deps, subscriber, setup.id);
    const periodEnd = Math.floor((await currentSubscription(t.db, subscriber.userId))!.currentPeriodEnd!.getTime() / 1000);

    await advanceClock(t, clock, periodEnd + 2 * 3600);
    await events.applyNew();
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ openInvoice: { amountDue: { amount: 900, currency: 'USD' }, needsAction: true } });
    expect(await billingAlertFor(t.db, subscriber.userId)).toMatchObject({ kind: 'action_required', amountDue: { amount: 900, currency: 'USD' } });
    const asked = await emailsTo(t.db, subscriber.email);
    expect(asked.map((email) => email.kind)).toContain('payment_action_required');
    expect(asked.map((email) => email.kind)).not.toContain('payment_failed');

    const pay = await payOpenInvoice(t.deps, subscriber);
    expect((await confirmPayment(t, pay.handoff)).status).toBe('succeeded');
    await events.applyNew();
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ status: 'active', openInvoice: null, paymentMethod: { last4: '4242' } });
    expect(await billingAlertFor(t.db, subscriber.userId)).toBeNull();
  });

  it('retries a failed renewal, emailing each failure, and ends the subscription after the last retry', async () => {
    const { subscriber, clock } = await subscriberOnClock(t, 'exhausted');
    await subscribed(subscriber, 'starter-monthly-usd');
    const update = await startPaymentMethodUpdate(t.deps, subscriber);
    const setup = await confirmSetup(t, update.handoff, '4000000000000341');
    await finishPaymentMethodUpdate(t.deps, subscriber, setup.id);
    const periodEnd = Math.floor((await currentSubscription(t.db, subscriber.userId))!.currentPeriodEnd!.getTime() / 1000);

    await advanceClock(t, clock, periodEnd + 2 * 3600);
    await events.applyNew();
    expect((await currentSubscription(t.db, subscriber.userId))?.status).toBe('past_due');
    // The sandbox retries 3, 5 and 7 days after the first failure, then cancels (its default setting).
    for (const days of [3, 5, 7]) {
      await advanceClock(t, clock, periodEnd + days * DAY + 3 * 3600);
      await events.applyNew();
    }
    const ended = await currentSubscription(t.db, subscriber.userId);
    expect(ended?.status).toBe('canceled');
    expect(ended?.openInvoice).toBeNull();
    expect(await entitlementsFor(t.db, subscriber.userId)).toMatchObject({ access: 'none', status: 'canceled' });
    expect(await billingAlertFor(t.db, subscriber.userId)).toBeNull();
    const failures = (await emailsTo(t.db, subscriber.email)).filter((email) => email.kind === 'payment_failed');
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(new Set(failures.map((email) => email.ref)).size).toBe(failures.length);
  });

  it('emails the subscriber a few days before a trial ends, and shows it in the app', async () => {
    const { subscriber, clock } = await subscriberOnClock(t, 'trialend');
    await subscribed(subscriber, 'pro-monthly-usd');
    const trialEnd = (await currentSubscription(t.db, subscriber.userId))!.trialEnd!;
    expect(await billingAlertFor(t.db, subscriber.userId)).toBeNull();
    await advanceClock(t, clock, Math.floor(trialEnd.getTime() / 1000) - 2 * DAY);
    await events.applyNew();
    const notices = (await emailsTo(t.db, subscriber.email)).filter((email) => email.kind === 'trial_ending');
    expect(notices).toHaveLength(1);
    expect(notices[0]?.text).toContain('$29.00');
    expect(await billingAlertFor(t.db, subscriber.userId)).toMatchObject({ kind: 'trial_ending', amountDue: { amount: 2900, currency: 'USD' } });

    await advanceClock(t, clock, Math.floor(trialEnd.getTime() / 1000) + 2 * 3600);
    await events.applyNew();
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ status: 'active', openInvoice: null });
    expect((await invoicesFor(t.db, subscriber.userId))[0]).toMatchObject({ status: 'paid', amountPaid: { amount: 2900, currency: 'USD' } });
    expect(await billingAlertFor(t.db, subscriber.userId)).toBeNull();
  });
});
