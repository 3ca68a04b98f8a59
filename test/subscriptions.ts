import { eq } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import type Stripe from 'stripe';
import { afterAll, beforeAll } from 'vitest';
import { connect, type Database } from '@/db/client';
import { customers, emails, users } from '@/db/schema';
import { seedCatalog } from '@/db/seed';
import { applyBillingChange } from '@/lib/billing/payment-events';
import { webhookEffect } from '@/lib/billing/webhook-actions';
import type { Subscriber, SubscriptionDependencies } from '@/lib/billing/subscriptions';
import { createBoss, startBoss } from '@/lib/jobs/boss';
import type { PaymentProvider } from '@/lib/payments/provider';
import type { PaymentHandoff, PaymentProviderName } from '@/lib/payments/types';
import { paypalThrough, stripeThrough } from './payments';
import { isolatedSandbox, type TestSandbox } from './sandbox';

/**
 * What the subscription integration tests share: a sandbox and Billfold's tables in one
 * database (the seeded catalog, pg-boss for the email outbox), accounts, browser-side steps
 * done with the publishable key as Stripe.js does them, and applying the events the sandbox
 * raised exactly as the webhook worker applies them.
 */

export const DAY = 86_400;
/** 1 April 2026, 00:00 UTC: the time test clocks start at. */
export const APRIL_1 = Date.UTC(2026, 3, 1) / 1000;

export interface SubscriptionTestContext {
  sandbox: TestSandbox;
  db: Database;
  /** Subscriptions through Stripe (the card form's provider), reaching PayPal for an account's subscription there. */
  deps: SubscriptionDependencies;
  /** Subscriptions through PayPal (its button), reaching Stripe likewise. */
  paypalDeps: SubscriptionDependencies;
  paypal: PaymentProvider;
}

export function subscriptionTestContext(): SubscriptionTestContext {
  const sandbox = isolatedSandbox();
  const context = { sandbox } as SubscriptionTestContext;
  let boss: PgBoss | undefined;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const connection = connect(sandbox.databaseUrl, { max: 8 });
    context.db = connection.db;
    close = () => connection.sql.end({ timeout: 5 });
    await seedCatalog(context.db);
    boss = await startBoss(createBoss(sandbox.databaseUrl, 'producer'));
    const stripe = stripeThrough(sandbox.stripe);
    const paypal = paypalThrough(sandbox.server.url);
    const providers = { stripe, paypal };
    const providerOf = (name: PaymentProviderName) => ({ payments: providers[name].payments, subscriptions: providers[name].subscriptions! });
    context.paypal = paypal;
    context.deps = { db: context.db, ...providerOf('stripe'), providerOf };
    context.paypalDeps = { db: context.db, ...providerOf('paypal'), providerOf };
  });
  afterAll(async () => {
    await boss?.stop({ graceful: false, close: true });
    await close?.();
  });
  return context;
}

export async function newSubscriber(db: Database, label: string): Promise<Subscriber> {
  const [user] = await db.insert(users).values({ email: `${label}-${crypto.randomUUID().slice(0, 8)}@example.com` }).returning();
  return { userId: user!.id, email: user!.email };
}

/**
 * A subscriber whose customer at the sandbox lives on a test clock (made as Billfold would make
 * it, with a clock attached), so a test can move their time: renewals, trials and retries.
 */
export async function subscriberOnClock(t: SubscriptionTestContext, label: string, frozenTime = APRIL_1) {
  const subscriber = await newSubscriber(t.db, label);
  const clock = await t.sandbox.stripe.testHelpers.testClocks.create({ frozen_time: frozenTime, name: label });
  const customer = await t.sandbox.stripe.customers.create({ email: subscriber.email, metadata: { user_id: subscriber.userId }, test_clock: clock.id });
  await t.db.insert(customers).values({ userId: subscriber.userId, email: subscriber.email, provider: 'stripe', providerCustomerId: customer.id });
  return { subscriber, clock, customerId: customer.id };
}

export async function advanceClock(t: SubscriptionTestContext, clock: Stripe.TestHelpers.TestClock, to: number): Promise<void> {
  await t.sandbox.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: to });
}

/** A card PaymentMethod typed into the card iframe: made with the publishable key. */
export function card(t: SubscriptionTestContext, number: string): Promise<Stripe.PaymentMethod> {
  return t.sandbox.publishable.paymentMethods.create({ type: 'card', card: { number, exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc: '123' } });
}

/** The client secret Stripe.js finishes a hand-off with (the sandbox is Stripe's: every hand-off is one). */
export function clientSecretOf(handoff: PaymentHandoff): string {
  if (handoff.kind !== 'client_secret') throw new Error(`expected a Stripe hand-off, got ${handoff.kind}`);
  return handoff.clientSecret;
}

/** The browser confirms a PaymentIntent's client secret with a card, as the Payment Element does. */
export async function confirmPayment(t: SubscriptionTestContext, handoff: PaymentHandoff, number = '4242424242424242'): Promise<Stripe.PaymentIntent> {
  const clientSecret = clientSecretOf(handoff);
  const intentId = clientSecret.split('_secret_')[0]!;
  const method = await card(t, number);
  return t.sandbox.publishable.paymentIntents.confirm(intentId, { payment_method: method.id, client_secret: clientSecret } as Stripe.PaymentIntentConfirmParams);
}

export async function confirmSetup(t: SubscriptionTestContext, handoff: PaymentHandoff, number = '4242424242424242'): Promise<Stripe.SetupIntent> {
  const clientSecret = clientSecretOf(handoff);
  const intentId = clientSecret.split('_secret_')[0]!;
  const method = await card(t, number);
  return t.sandbox.publishable.setupIntents.confirm(intentId, { payment_method: method.id, client_secret: clientSecret } as Stripe.SetupIntentConfirmParams);
}

/** Every event the sandbox has raised, oldest first. */
export async function allEvents(t: SubscriptionTestContext): Promise<Stripe.Event[]> {
  const events: Stripe.Event[] = [];
  for await (const event of t.sandbox.stripe.events.list({ limit: 100 })) events.push(event);
  return events.reverse();
}

/**
 * Applies every event the sandbox raised since the last call, each as the webhook worker
 * applies it (its provider's classification, then lib/billing's re-fetch under the lock), in the
 * order given by `order`.
 */
export function eventApplier(t: SubscriptionTestContext) {
  const seen = new Set<string>();
  return {
    async applyNew(order: (events: Stripe.Event[]) => Stripe.Event[] = (events) => events): Promise<Stripe.Event[]> {
      const fresh = (await allEvents(t)).filter((event) => !seen.has(event.id));
      for (const event of fresh) seen.add(event.id);
      for (const event of order(fresh)) await applyEvent(t, event);
      return fresh;
    },
    /** Marks what happened so far as applied elsewhere (another test's events). */
    async skip(): Promise<void> {
      for (const event of await allEvents(t)) seen.add(event.id);
    },
  };
}

export async function applyEvent(t: SubscriptionTestContext, event: Stripe.Event): Promise<void> {
  const provider = stripeThrough(t.sandbox.stripe);
  const action = await provider.webhooks.classify({ type: event.type, payload: event });
  if (!action) return;
  const effect = webhookEffect(provider, action);
  await applyBillingChange(t.db, effect.key, effect.refetch);
}

export async function emailsTo(db: Database, to: string) {
  return db.select().from(emails).where(eq(emails.to, to));
}
