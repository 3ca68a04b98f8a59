import type { CatalogProduct } from '@/lib/billing/catalog';
import { formatMoney } from '@/lib/money';
import { AddToCartButton } from './add-to-cart-button';

export function ProductCard({ product }: { product: CatalogProduct }) {
  return (
    <article className="flex flex-col rounded-2xl border border-stone-200 bg-white p-6 shadow-xs" aria-labelledby={`product-${product.slug}`}>
      <h3 id={`product-${product.slug}`} className="text-lg font-semibold">
        {product.name}
      </h3>
      <p className="mt-2 flex-1 text-sm text-stone-600">{product.description}</p>
      <ul className="mt-4 space-y-3">
        {product.prices.map((price) => (
          <li key={price.id} className="flex flex-wrap items-center justify-between gap-3">
            <span className="text-xl font-semibold tabular-nums">{formatMoney(price.price)}</span>
            {price.type === 'one_time' ? <AddToCartButton priceId={price.id} productName={product.name} /> : null}
          </li>
        ))}
      </ul>
    </article>
  );
}
