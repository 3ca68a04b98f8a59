'use server';

import { z } from 'zod';
import { quoteView } from '@/components/checkout/order-view';
import { db } from '@/db/client';
import { publicAction } from '@/lib/auth/actions';
import { CartItemsInput, priceCart } from '@/lib/billing/cart';

/** Prices the cart from the catalog, for the cart and checkout pages; creates nothing. */
export const quoteCart = publicAction(z.strictObject({ items: CartItemsInput }), async ({ items }) => quoteView(await priceCart(db, items)));
