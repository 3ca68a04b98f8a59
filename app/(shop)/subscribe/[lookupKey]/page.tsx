import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { notFound, redirect } from 'next/navigation';
import { connection } from 'next/server';
import { ProviderScript } from '@/components/payments/provider-script';
import { planPriceLabel } from '@/components/shop/plan-price';
import { longDate } from '@/components/portal/dates';
import { SubscribeView } from '@/components/portal/subscribe-view';
import { PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { requireUserForPage } from '@/lib/auth/guards';
import { listCatalog } from '@/lib/billing/catalog';
import { trialDaysFor } from '@/lib/billing/subscribe';
import { isLive } from '@/lib/billing/subscription-status';
import { currentSubscription } from '@/lib/billing/subscriptions';
import { formatMoney, money } from '@/lib/money';
import { approvalBrowserConfigs, cardBrowserConfig, providerReturn } from '@/lib/payments/browser';
import { subscribesByApproval } from '@/lib/billing/subscription-context';

export const metadata: Metadata = { title: 'Subscribe' };

const DAY_MS = 24 * 60 * 60 * 1000;

/** When a trial started now ends: the day of the first charge. */
function trialEndsOn(days: number): string {
  return longDate(new Date(Date.now() + days * DAY_MS));
}

type Params = Promise<{ lookupKey: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SubscribePage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  await connection(); // rendered per request: the CSP nonce is new on every load
  const { lookupKey } = await params;
  const user = await requireUserForPage(`/subscribe/${lookupKey}`);
  const nonce = (await headers()).get('x-nonce') ?? undefined;

  const catalog = await listCatalog(db);
  const offer = catalog
    .filter((product) => product.kind === 'plan')
    .flatMap((plan) => plan.prices.map((price) => ({ plan, price })))
    .find(({ price }) => price.lookupKey === lookupKey && price.type === 'recurring' && price.interval !== null);
  if (!offer?.price.interval) notFound();
  const { plan, price } = offer;
  const interval = offer.price.interval;

  // Back from a provider's redirect (a payment method that leaves the page) with the payment done.
  const returned = providerReturn(await searchParams).succeeded;
  const subscription = await currentSubscription(db, user.id);
  // A live subscription is the account's one subscription: there is nothing to start here. An
  // incomplete one is what this page finishes (startSubscription resumes or replaces it).
  if (subscription && isLive(subscription.status) && subscription.status !== 'incomplete') {
    redirect(returned ? '/account/billing?notice=subscribed' : '/account/billing?notice=already-subscribed');
  }

  const browser = cardBrowserConfig(nonce);
  // Providers whose own button subscribes (PayPal), when they bill subscriptions here.
  const approvals = approvalBrowserConfigs(nonce).filter((config) => subscribesByApproval(config.provider));
  const recurring = planPriceLabel(price.price, interval, price.intervalCount);
  // A free trial is for an account's first subscription (startSubscription decides the same way).
  const trialDays = (await trialDaysFor(db, user.id, price)) ?? 0;
  const trialUsed = (price.trialDays ?? 0) > 0 && trialDays === 0;
  const dueToday = trialDays > 0 ? money(0, price.price.currency) : price.price;
  const firstCharge = trialEndsOn(trialDays);

  return (
    <>
      <ProviderScript browser={browser} />
      <PageHeader title={`Subscribe to ${plan.name}`} description={`Signed in as ${user.email}. Invoices and receipts go to this address.`} />
      <div className="grid gap-8 lg:grid-cols-[1fr_24rem]">
        <section aria-labelledby="card-heading" className="rounded-2xl border border-stone-200 bg-white p-6 shadow-xs">
          <h2 id="card-heading" className="mb-5 text-base font-semibold">
            {approvals.length > 0 ? 'Payment' : 'Card'}
          </h2>
          <SubscribeView
            lookupKey={price.lookupKey}
            amountToday={dueToday.amount}
            currency={price.price.currency}
            submitLabel={trialDays > 0 ? `Start ${trialDays}-day free trial` : `Subscribe and pay ${formatMoney(dueToday)}`}
            browser={browser}
            approvals={approvals}
            returned={returned}
          />
          <p className="mt-4 text-xs text-stone-500">
            Card details go straight to our payment provider in a secure frame; they never reach our servers.{' '}
            {approvals.length > 0 ? 'With PayPal you approve the subscription in PayPal’s own window. ' : ''}You can cancel any time from your billing page.
          </p>
        </section>
        <section aria-label="Your plan" className="h-fit rounded-2xl border border-stone-200 bg-white p-6 shadow-xs">
          <h2 className="text-base font-semibold">{plan.name}</h2>
          <p className="mt-1 text-sm text-stone-600">{plan.description}</p>
          <dl className="mt-4 space-y-3 text-sm">
            <div className="flex items-baseline justify-between gap-4">
              <dt className="text-stone-500">Price</dt>
              <dd className="tabular-nums" data-testid="plan-price">
                {recurring}
              </dd>
            </div>
            {trialDays > 0 ? (
              <div className="flex items-baseline justify-between gap-4">
                <dt className="text-stone-500">Free trial</dt>
                <dd data-testid="plan-trial">
                  {trialDays} days, then {recurring} from {firstCharge}
                </dd>
              </div>
            ) : null}
          </dl>
          <div className="mt-4 flex items-baseline justify-between border-t border-stone-200 pt-4">
            <span className="font-semibold">Due today</span>
            <span className="text-lg font-semibold tabular-nums" data-testid="due-today">
              {formatMoney(dueToday)}
            </span>
          </div>
          <p className="mt-2 text-xs text-stone-500">
            {trialDays > 0
              ? `${trialDays}-day free trial, then ${recurring}. Cancel before ${firstCharge} and you pay nothing.`
              : `Then ${recurring}, charged automatically until you cancel.`}
          </p>
          {trialUsed ? (
            <p className="mt-2 text-xs text-stone-500" data-testid="trial-used">
              The free trial is for a first subscription, and your account has had one: this subscription starts today.
            </p>
          ) : null}
        </section>
      </div>
    </>
  );
}
