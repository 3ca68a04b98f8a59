import type { Metadata } from 'next';
import { connection } from 'next/server';
import { CartView, type CatalogEntry } from '@/components/shop/cart-view';
import { PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { listCatalog } from '@/lib/billing/catalog';
import { formatMoney } from '@/lib/money';

export const metadata: Metadata = { title: 'Your cart' };

export default async function CartPage() {
  await connection(); // per-request render: the checkout pages carry a fresh CSP nonce each time
  const catalog = await listCatalog(db);
  // Names for the lines even when the cart cannot be priced (say, mixed currencies); the
  // amounts the customer pays always come from the server's quote.
  const entries: CatalogEntry[] = catalog.flatMap((product) =>
    product.prices.filter((price) => price.type === 'one_time').map((price) => ({ priceId: price.id, name: product.name, unitPrice: formatMoney(price.price) })),
  );
  return (
    <>
      <PageHeader title="Your cart" description="Prices are confirmed by our server from the catalog when you check out." />
      <CartView catalog={entries} />
    </>
  );
}
