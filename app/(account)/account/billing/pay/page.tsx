import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { connection } from 'next/server';
import { ProviderScript } from '@/components/payments/provider-script';
import { Activation } from '@/components/portal/activation';
import { PayInvoice } from '@/components/portal/pay-invoice';
import { planPriceLabel } from '@/components/shop/plan-price';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { requireUserForPage } from '@/lib/auth/guards';
import { portalCapabilities } from '@/lib/billing/subscription-context';
import { currentSubscription } from '@/lib/billing/subscriptions';
import { formatMoney } from '@/lib/money';
import { cardBrowserConfig, providerReturn } from '@/lib/payments/browser';

export const metadata: Metadata = { title: 'Update card and pay' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function PayOpenInvoicePage({ searchParams }: { searchParams: SearchParams }) {
  await connection(); // rendered per request: the CSP nonce is new on every load
  const user = await requireUserForPage('/account/billing/pay');
  const nonce = (await headers()).get('x-nonce') ?? undefined;
  const subscription = await currentSubscription(db, user.id);
  // A subscription whose funding is kept at the provider (PayPal) is not paid by card here.
  if (subscription && !portalCapabilities(subscription.provider).cards) redirect('/account/billing');
  const browser = cardBrowserConfig(nonce);
  const returned = providerReturn(await searchParams).succeeded;
  const invoice = subscription?.openInvoice ?? null;

  return (
    <>
      {invoice ? <ProviderScript browser={browser} /> : null}
      <PageHeader title="Update card and pay" description="Pay the invoice that is due with a card that works; it becomes the card your renewals are charged to." />
      {returned ? (
        <Activation until={['active', 'trialing']} destination="/account/billing?notice=paid" title="Confirming your payment…" detail="Our payment provider has your card." />
      ) : subscription && invoice ? (
        <div className="grid gap-8 lg:grid-cols-[1fr_24rem]">
          <section aria-labelledby="card-heading" className="rounded-2xl border border-stone-200 bg-white p-6 shadow-xs">
            <h2 id="card-heading" className="mb-5 text-base font-semibold">
              Card
            </h2>
            <PayInvoice browser={browser} />
          </section>
          <section aria-label="Invoice due" className="h-fit rounded-2xl border border-stone-200 bg-white p-6 shadow-xs">
            <h2 className="text-base font-semibold">{subscription.plan.productName}</h2>
            <p className="mt-1 text-sm text-stone-600">{planPriceLabel(subscription.plan.price, subscription.plan.interval, subscription.plan.intervalCount)}</p>
            <div className="mt-4 flex items-baseline justify-between border-t border-stone-200 pt-4">
              <span className="font-semibold">Due now</span>
              <span className="text-lg font-semibold tabular-nums" data-testid="amount-due">
                {formatMoney(invoice.amountDue)}
              </span>
            </div>
            {invoice.hostedInvoiceUrl ? (
              <a href={invoice.hostedInvoiceUrl} target="_blank" rel="noopener noreferrer" className="mt-3 inline-block text-sm font-medium text-brand-600 hover:underline">
                View the invoice
              </a>
            ) : null}
          </section>
        </div>
      ) : (
        <Card title="Nothing to pay">
          <p className="text-sm text-stone-600">
            You have no invoice due.{' '}
            <a href="/account/billing" className="font-medium text-brand-600 hover:underline">
              Back to plan and billing
            </a>
          </p>
        </Card>
      )}
    </>
  );
}
