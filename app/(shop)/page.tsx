import Link from 'next/link';
import { connection } from 'next/server';
import { PlanCard } from '@/components/shop/plan-card';
import { ProductCard } from '@/components/shop/product-card';
import { db } from '@/db/client';
import { listCatalog } from '@/lib/billing/catalog';

export default async function HomePage() {
  await connection(); // the catalog is read per request, never baked in at build time
  const catalog = await listCatalog(db);
  const goods = catalog.filter((product) => product.kind === 'good');
  const plans = catalog.filter((product) => product.kind === 'plan');

  return (
    <div className="space-y-14">
      <section className="rounded-3xl bg-gradient-to-br from-brand-50 to-white px-6 py-12 sm:px-12">
        <p className="text-sm font-medium text-brand-600">The Billfold demo store</p>
        <h1 className="mt-2 max-w-2xl text-3xl font-semibold tracking-tight sm:text-4xl">Good paper, good pens, and a membership for people who write.</h1>
        <p className="mt-4 max-w-xl text-stone-600">
          Pay by card or PayPal. Prices are set on our server from the catalog, and your card details never touch this site.
        </p>
      </section>

      <section aria-labelledby="shop-heading">
        <h2 id="shop-heading" className="mb-4 text-xl font-semibold">
          Shop
        </h2>
        {goods.length === 0 ? (
          <p className="text-stone-600">The catalog is empty. Run <code>npm run db:seed</code> to add the demo products.</p>
        ) : (
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {goods.map((product) => (
              <ProductCard key={product.id} product={product} />
            ))}
          </div>
        )}
      </section>

      <section aria-labelledby="plans-heading">
        <div className="mb-4 flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="plans-heading" className="text-xl font-semibold">
            Memberships
          </h2>
          <Link href="/pricing" className="text-sm font-medium text-brand-600 hover:underline">
            Compare plans and subscribe →
          </Link>
        </div>
        <div className="grid gap-4 sm:grid-cols-2">
          {plans.map((plan) => (
            <PlanCard key={plan.id} plan={plan} />
          ))}
        </div>
      </section>
    </div>
  );
}
