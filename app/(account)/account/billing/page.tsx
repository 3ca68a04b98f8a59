import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { connection } from 'next/server';
import { CancelSubscription } from '@/components/portal/cancel-subscription';
import { ApprovedPlanChange } from '@/components/portal/approved-plan-change';
import { ChangePlan, type PlanOption } from '@/components/portal/change-plan';
import { ProviderScript } from '@/components/payments/provider-script';
import { longDate } from '@/components/portal/dates';
import { InvoiceTable } from '@/components/portal/invoice-table';
import { PayBalance } from '@/components/portal/pay-balance';
import { SwitchToApproval } from '@/components/portal/switch-to-approval';
import { FinishReturnedSwitch, SwitchToCard } from '@/components/portal/switch-to-card';
import { SubscriptionStatusBadge } from '@/components/portal/subscription-status';
import { UndoSwitch } from '@/components/portal/undo-switch';
import { FinishReturnedCardUpdate, UpdateCard } from '@/components/portal/update-card';
import { planPriceLabel } from '@/components/shop/plan-price';
import { Alert } from '@/components/ui/alert';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { requireUserForPage } from '@/lib/auth/guards';
import { listCatalog } from '@/lib/billing/catalog';
import { portalCapabilities, subscribesByApproval, type PortalCapabilities } from '@/lib/billing/subscription-context';
import { currentSubscription, invoicesFor, type SubscriptionView } from '@/lib/billing/subscriptions';
import { PROVIDER_LABELS, type SubscriptionStatus } from '@/lib/payments/types';
import { formatMoney } from '@/lib/money';
import { approvalBrowserConfigs, cardBrowserConfig, providerReturn } from '@/lib/payments/browser';

export const metadata: Metadata = { title: 'Plan and billing' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** Messages for the pages that send a subscriber here (`?notice=`). */
const NOTICES: Record<string, { tone: 'success' | 'info'; text: string }> = {
  subscribed: { tone: 'success', text: 'You are subscribed. Your plan, card and invoices are below.' },
  'already-subscribed': { tone: 'info', text: 'You already have a subscription. To move to another plan, change it here: an account has one subscription.' },
  paid: { tone: 'success', text: 'Thank you: the invoice is paid and your subscription is active again.' },
  'balance-paid': { tone: 'success', text: 'Thank you: the balance is paid and your subscription is active again.' },
  'switch-scheduled': { tone: 'success', text: 'Your card is saved. It takes over when the period you have paid for ends; it is not charged before.' },
  'switch-approved': { tone: 'success', text: 'You approved paying with PayPal. It takes over when the period you have paid for by card ends; your card is not charged again.' },
  'plan-change-approved': { tone: 'success', text: 'You approved the change. Your new plan shows here as soon as your payment provider confirms it, and its price applies from your next payment.' },
  'plan-change-left': { tone: 'info', text: 'You left without approving the change: your plan is as it was.' },
  'resume-approved': { tone: 'success', text: 'You approved carrying on. Your subscription shows as continuing as soon as your payment provider confirms it; you are not charged again for this period.' },
  'resume-left': { tone: 'info', text: 'You left without approving: your subscription still ends as set.' },
  'switch-undone': { tone: 'success', text: 'The move is called off: your subscription renews as before, paid the way it was.' },
  'switch-undone-ending': {
    tone: 'info',
    text: 'The move to your card is called off, and your card will not be charged. PayPal still ends your subscription when the period you paid for ends: to carry on with PayPal, resume it below and approve that at PayPal.',
  },
};

/** Statuses in which the subscription is over or never began: the portal offers a new one. */
const ENDED: readonly SubscriptionStatus[] = ['canceled', 'incomplete_expired'];
/** Statuses in which the subscriber can change plan, and cancel. */
const CHANGEABLE: readonly SubscriptionStatus[] = ['trialing', 'active'];
const CANCELABLE: readonly SubscriptionStatus[] = ['trialing', 'active', 'past_due'];

const BRANDS: Record<string, string> = { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', discover: 'Discover', jcb: 'JCB', diners: 'Diners Club', unionpay: 'UnionPay' };

function dayOrNull(date: Date | null): string | null {
  return date ? longDate(date) : null;
}

/** What cancelling does, said before the subscriber asks: a provider that cannot end a free trial later ends it now. */
function cancelTerms(subscription: SubscriptionView, can: PortalCapabilities, providerName: string): string {
  if (subscription.status === 'trialing' && can.cancelEndsTrialsNow) return `Cancelling a free trial paid with ${providerName} ends it now. You have not been charged.`;
  return 'Your plan stays active until the end of the period you have paid for, and you will not be charged again.';
}

function cardFingerprint(card: SubscriptionView['paymentMethod']): string | null {
  return card ? `${card.brand} ${card.last4} ${card.expMonth}/${card.expYear}` : null;
}

function PlanDetails({ subscription, can }: { subscription: SubscriptionView; can: PortalCapabilities }) {
  const { plan, status, nextCharge, pendingChange, openInvoice } = subscription;
  const periodEnd = dayOrNull(subscription.currentPeriodEnd);
  return (
    <dl className="space-y-3 text-sm">
      <div>
        <dt className="text-stone-500">Plan</dt>
        <dd className="font-medium" data-testid="current-plan">
          {plan.productName} · {planPriceLabel(plan.price, plan.interval, plan.intervalCount)}
        </dd>
      </div>
      <div>
        <dt className="text-stone-500">Status</dt>
        <dd>
          <SubscriptionStatusBadge status={status} />
        </dd>
      </div>
      {status === 'trialing' && subscription.trialEnd ? (
        <div>
          <dt className="text-stone-500">Free trial</dt>
          <dd data-testid="trial-end">Until {longDate(subscription.trialEnd)}</dd>
        </div>
      ) : null}
      {subscription.movingTo ? (
        <div>
          <dt className="text-stone-500">Next charge</dt>
          <dd data-testid="next-charge">
            {formatMoney(plan.price)} on {longDate(subscription.movingTo.startsAt)}, {subscription.movingTo.card ? 'to your card' : `with ${PROVIDER_LABELS[subscription.movingTo.provider]}`}
          </dd>
        </div>
      ) : subscription.cancelAtPeriodEnd ? (
        <div>
          <dt className="text-stone-500">Ends</dt>
          <dd data-testid="ends-on">{periodEnd ? `On ${periodEnd}` : 'At the end of this period'}. You will not be charged again.</dd>
        </div>
      ) : nextCharge ? (
        <div>
          <dt className="text-stone-500">Next charge</dt>
          <dd data-testid="next-charge">
            {formatMoney(nextCharge.amount)} on {longDate(nextCharge.at)}
          </dd>
        </div>
      ) : null}
      {pendingChange ? (
        <div>
          <dt className="text-stone-500">Scheduled change</dt>
          <dd data-testid="pending-change">
            To {pendingChange.plan.productName} ({planPriceLabel(pendingChange.plan.price, pendingChange.plan.interval, pendingChange.plan.intervalCount)}) on {longDate(pendingChange.effectiveAt)}
          </dd>
        </div>
      ) : null}
      {openInvoice && subscription.wallet && (status === 'past_due' || status === 'unpaid') ? (
        <div className="pt-1">
          <PayBalance amount={formatMoney(openInvoice.amountDue)} providerName={PROVIDER_LABELS[subscription.provider]} fundingUrl={can.fundingUrl} />
        </div>
      ) : openInvoice && (openInvoice.needsAction || status === 'past_due' || status === 'unpaid') ? (
        <div className="pt-1">
          <Alert>
            {openInvoice.needsAction ? 'Your bank needs you to confirm a payment' : 'Your last payment failed'}: {formatMoney(openInvoice.amountDue)} is due.{' '}
            <a href="/account/billing/pay" className="font-semibold underline">
              {openInvoice.needsAction ? 'Confirm the payment' : 'Update card and pay'}
            </a>
          </Alert>
        </div>
      ) : null}
      {status === 'incomplete' ? (
        <div className="pt-1">
          <Alert tone="info">
            Your first payment is not complete yet.{' '}
            <a href={`/subscribe/${encodeURIComponent(plan.lookupKey)}`} className="font-semibold underline">
              Finish subscribing
            </a>
          </Alert>
        </div>
      ) : null}
      {status === 'paused' ? <p className="text-stone-600">Nothing is charged while your subscription is paused.</p> : null}
    </dl>
  );
}

export default async function BillingPage({ searchParams }: { searchParams: SearchParams }) {
  await connection(); // rendered per request: the CSP nonce is new on every load
  const user = await requireUserForPage('/account/billing');
  const nonce = (await headers()).get('x-nonce') ?? undefined;
  const params = await searchParams;
  const [subscription, invoices, catalog] = await Promise.all([currentSubscription(db, user.id), invoicesFor(db, user.id), listCatalog(db)]);
  const browser = cardBrowserConfig(nonce);
  const notice = typeof params.notice === 'string' ? NOTICES[params.notice] : undefined;
  const returnedCardUpdate = providerReturn(params).cardUpdateId;

  const live = subscription && !ENDED.includes(subscription.status) ? subscription : null;
  // A PayPal subscriber keeps their funding at PayPal, and its plan changes need their approval there.
  const can: PortalCapabilities = live ? portalCapabilities(live.provider) : { cards: false, priceChanges: false, revisions: false, cancelEndsTrialsNow: false, fundingUrl: null };
  const providerName = live ? PROVIDER_LABELS[live.provider] : '';
  // A subscription paid through PayPal can move to a card once it is running and paid up.
  const cardSwitch = live !== null && !can.cards && live.wallet !== null && live.status === 'active' && !live.cancelAtPeriodEnd;
  // A card subscription can move to PayPal likewise, where PayPal is enabled.
  const approvalSwitch =
    live !== null && can.cards && live.status === 'active' && !live.cancelAtPeriodEnd ? (approvalBrowserConfigs(nonce).find((config) => subscribesByApproval(config.provider)) ?? null) : null;
  // Plans can be changed within one currency: a subscription bills in one.
  const options: PlanOption[] = live
    ? catalog
        .filter((product) => product.kind === 'plan')
        .flatMap((product) =>
          product.prices
            .filter((price) => price.type === 'recurring' && price.interval && price.price.currency === live.plan.price.currency && price.lookupKey !== live.plan.lookupKey)
            .map((price) => ({ lookupKey: price.lookupKey, name: product.name, priceLabel: planPriceLabel(price.price, price.interval, price.intervalCount) })),
        )
    : [];

  return (
    <>
      {live ? <ProviderScript browser={browser} /> : null}
      <PageHeader title="Plan and billing" description="Your subscription, the card it is charged to, and your invoices." />
      <div className="space-y-4">
        {notice ? <Alert tone={notice.tone}>{notice.text}</Alert> : null}
        {returnedCardUpdate && params.switch === 'card' ? (
          <FinishReturnedSwitch cardUpdateId={returnedCardUpdate} />
        ) : returnedCardUpdate ? (
          <FinishReturnedCardUpdate cardUpdateId={returnedCardUpdate} />
        ) : null}
        {subscription?.movingTo && !live ? <Alert tone="info">Your subscription is moving to your card. This page shows it in a moment.</Alert> : null}
        {live ? (
          <div className="grid items-start gap-4 md:grid-cols-2">
            <Card title="Your plan">
              <PlanDetails subscription={live} can={can} />
            </Card>
            {can.cards ? (
              <Card title="Payment method" description="Renewals are charged to this card.">
                <p className="mb-4 text-sm" data-testid="payment-method">
                  {live.paymentMethod
                    ? `${BRANDS[live.paymentMethod.brand] ?? live.paymentMethod.brand} •••• ${live.paymentMethod.last4}, expires ${String(live.paymentMethod.expMonth).padStart(2, '0')}/${live.paymentMethod.expYear}`
                    : 'No card on file.'}
                </p>
                <UpdateCard currency={live.plan.price.currency} currentCard={cardFingerprint(live.paymentMethod)} browser={browser} />
                {live.movingTo && !live.movingTo.card ? (
                  <div className="mt-4 space-y-3">
                    <p className="text-sm" data-testid="moving-to-provider">
                      From {longDate(live.movingTo.startsAt)}, {PROVIDER_LABELS[live.movingTo.provider]} pays instead. Your card will not be charged again.
                    </p>
                    <UndoSwitch keeping={{ label: 'card', isCard: true }} stillEndsOn={can.revisions ? dayOrNull(live.currentPeriodEnd) : null} />
                  </div>
                ) : approvalSwitch && live.currentPeriodEnd ? (
                  <div className="mt-4">
                    <SwitchToApproval
                      providerName={PROVIDER_LABELS[approvalSwitch.provider]}
                      browser={approvalSwitch}
                      paidUntil={longDate(live.currentPeriodEnd)}
                      amount={formatMoney(live.plan.price)}
                    />
                  </div>
                ) : null}
              </Card>
            ) : (
              <Card title="Payment method" description={`Renewals are paid through your ${providerName} account.`}>
                <p className="text-sm" data-testid="payment-method">
                  {live.wallet ? `Paid with ${providerName}${live.wallet.email ? ` (${live.wallet.email})` : ''}` : `Waiting for your approval in ${providerName}.`}
                </p>
                <p className="mt-2 text-xs text-stone-500">How {providerName} pays your renewals (balance, bank or card) is chosen in your {providerName} account.</p>
                {live.movingTo?.card ? (
                  <div className="mt-4 space-y-3">
                    <p className="text-sm" data-testid="moving-to-card">
                      From {longDate(live.movingTo.startsAt)}, your {BRANDS[live.movingTo.card.brand] ?? live.movingTo.card.brand} •••• {live.movingTo.card.last4} pays instead.{' '}
                      {providerName} will not charge you again.
                    </p>
                    <UndoSwitch keeping={{ label: providerName, isCard: false }} stillEndsOn={can.revisions ? dayOrNull(live.currentPeriodEnd) : null} />
                  </div>
                ) : cardSwitch && live.currentPeriodEnd ? (
                  <div className="mt-4">
                    <SwitchToCard
                      currency={live.plan.price.currency}
                      providerName={providerName}
                      paidUntil={longDate(live.currentPeriodEnd)}
                      amount={formatMoney(live.plan.price)}
                      browser={browser}
                    />
                  </div>
                ) : null}
              </Card>
            )}
            <Card
              title="Change plan"
              description={
                can.priceChanges
                  ? 'Moving up takes effect now, with the difference for the rest of this period charged today. Moving down takes effect at the end of the period.'
                  : `${providerName} asks you to approve the change on its own page. Your new plan applies once you do, and its price from your next payment.`
              }
            >
              {!can.priceChanges && !can.revisions ? (
                <p className="text-sm text-stone-600">Plans of a subscription paid with {providerName} cannot be changed here.</p>
              ) : live.movingTo ? (
                <p className="text-sm text-stone-600">Plans can be changed once your card has taken over.</p>
              ) : live.cancelAtPeriodEnd ? (
                <p className="text-sm text-stone-600">Your subscription is set to end. Resume it to change plans.</p>
              ) : live.status === 'past_due' || live.status === 'unpaid' ? (
                <p className="text-sm text-stone-600">Pay the open invoice before changing plans.</p>
              ) : !CHANGEABLE.includes(live.status) ? (
                <p className="text-sm text-stone-600">
                  {live.status === 'incomplete' ? 'Plans can be changed once your first payment is complete.' : 'Plans cannot be changed while your subscription is paused.'}
                </p>
              ) : options.length > 0 && !can.priceChanges ? (
                <ApprovedPlanChange options={options} providerName={providerName} />
              ) : options.length > 0 ? (
                <ChangePlan options={options} currentLookupKey={live.plan.lookupKey} pendingLookupKey={live.pendingChange?.plan.lookupKey ?? null} />
              ) : (
                <p className="text-sm text-stone-500">There are no other plans in {live.plan.price.currency}.</p>
              )}
            </Card>
            {CANCELABLE.includes(live.status) && !live.movingTo ? (
              <Card title="Cancel" description={cancelTerms(live, can, providerName)}>
                <CancelSubscription cancelAtPeriodEnd={live.cancelAtPeriodEnd} periodEnd={dayOrNull(live.currentPeriodEnd)} resumeApprovedAt={can.revisions ? providerName : null} />
              </Card>
            ) : null}
          </div>
        ) : (
          <Card title="No subscription">
            <p className="text-sm text-stone-600">
              {subscription?.status === 'canceled'
                ? `Your ${subscription.plan.productName} subscription has ended. `
                : 'You are not subscribed to a plan. '}
              <a href="/pricing" className="font-medium text-brand-600 hover:underline">
                See the plans
              </a>
              .
            </p>
          </Card>
        )}
        <Card title="Invoices" description="Every invoice, with a PDF and, where the provider has one, a page to view it online.">
          <InvoiceTable invoices={invoices} />
        </Card>
      </div>
    </>
  );
}
