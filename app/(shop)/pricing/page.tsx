import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { PricingPlan } from '@/components/shop/pricing-plan';
import { PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { getCurrentUser } from '@/lib/auth/guards';
import { listCatalog } from '@/lib/billing/catalog';

export const metadata: Metadata = { title: 'Pricing' };

const BILLING = { month: 'Monthly', year: 'Yearly' } as const;
type Billing = keyof typeof BILLING;

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function PricingPage({ searchParams }: { searchParams: SearchParams }) {
  await connection(); // the catalog is read per request, never baked in at build time
  // The switch is a plain link, so it works before (or without) any JavaScript.
  const billing: Billing = (await searchParams).billing === 'yearly' ? 'year' : 'month';
  const [catalog, user] = await Promise.all([listCatalog(db), getCurrentUser()]);
  const offers = catalog
    .filter((product) => product.kind === 'plan')
    .flatMap((plan) => plan.prices.filter((price) => price.type === 'recurring' && price.interval === billing && price.intervalCount === 1).map((price) => ({ plan, price })));

  return (
    <>
      <PageHeader title="Pricing" description="Pick a plan. Change it or cancel whenever you like from your account; prices are in the currency shown.">
        <nav aria-label="Billing period" className="inline-flex rounded-lg border border-stone-300 bg-white p-1 text-sm">
          {(Object.keys(BILLING) as Billing[]).map((period) => (
            <Link
              key={period}
              href={period === 'year' ? '/pricing?billing=yearly' : '/pricing'}
              aria-current={period === billing ? 'page' : undefined}
              className={`inline-flex min-h-10 items-center rounded-md px-3 py-1.5 font-medium ${period === billing ? 'bg-brand-600 text-white' : 'text-stone-700 hover:bg-stone-100'}`}
            >
              {BILLING[period]}
            </Link>
          ))}
        </nav>
      </PageHeader>
      {offers.length === 0 ? (
        <p className="text-stone-600">No plans are on sale right now. Run <code>npm run db:seed</code> to add the demo plans.</p>
      ) : (
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
          {offers.map(({ plan, price }) => (
            <PricingPlan key={price.id} plan={plan} price={price} signedIn={user !== null} />
          ))}
        </div>
      )}
    </>
  );
}
