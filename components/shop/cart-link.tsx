'use client';

import Link from 'next/link';
import { useCart } from './cart-store';

export function CartLink() {
  const { items } = useCart();
  const count = items.reduce((sum, item) => sum + item.quantity, 0);
  return (
    <Link
      href="/cart"
      className="relative inline-flex min-h-11 min-w-11 items-center justify-center gap-1.5 rounded-lg px-1.5 hover:bg-stone-100 sm:px-3"
      aria-label={count > 0 ? `Cart, ${count} ${count === 1 ? 'item' : 'items'}` : 'Cart'}
    >
      {/* A bag with the count on its corner on phones, where the header has no room for more. */}
      <svg aria-hidden viewBox="0 0 24 24" className="size-5 sm:hidden" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round">
        <path d="M6 7h12l-1 13H7L6 7z" />
        <path d="M9 7a3 3 0 0 1 6 0" />
      </svg>
      <span className="hidden sm:inline">Cart</span>
      {count > 0 ? (
        <span aria-hidden className="absolute top-0.5 -right-0.5 rounded-full bg-brand-600 px-1.5 py-0.5 text-xs leading-none font-medium text-white tabular-nums sm:static">
          {count}
        </span>
      ) : null}
    </Link>
  );
}
