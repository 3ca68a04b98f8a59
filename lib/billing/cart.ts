import { eq, inArray } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { prices, products } from '@/db/schema';
import { UserFacingError } from '@/lib/errors';
import { z } from 'zod';
import { addMoney, money, multiplyMoney, type Money } from '@/lib/money';
import { isUuid } from '@/lib/uuid';

/**
 * The cart as the browser keeps it: price ids and quantities, never an amount. Everything a
 * customer pays is priced here, from the catalog, at the moment they check out.
 */
export interface CartItem {
  priceId: string;
  quantity: number;
}

export interface PricedLine {
  priceId: string;
  /** The product's name now; orders keep it as their own snapshot. */
  description: string;
  unitAmount: Money;
  quantity: number;
  amountTotal: Money;
}

export interface PricedCart {
  currency: string;
  lines: PricedLine[];
  subtotal: Money;
  total: Money;
}

export const MIN_QUANTITY = 1;
export const MAX_QUANTITY = 99;
export const MAX_LINES = 20;
/** Stripe's ceiling for one charge (eight digits of minor units). */
const MAX_TOTAL = 99_999_999;

/**
 * What a browser may say about its cart: price ids and quantities. Strict, so a request that
 * carries anything else (an amount, a currency) is refused rather than quietly ignored.
 */
export const CartItemsInput = z
  // Any number here: priceCart refuses what is not a whole number from 1 to 99, naming the product.
  .array(z.strictObject({ priceId: z.string().max(64), quantity: z.number() }))
  .max(MAX_LINES, `A cart holds at most ${MAX_LINES} different items.`);

export class CartError extends UserFacingError {}

const UNAVAILABLE = 'An item in your cart is no longer available. Remove it from your cart and try again.';

/** Prices the cart from the catalog, or refuses it with a message the customer can act on. */
export async function priceCart(db: Database, items: readonly CartItem[]): Promise<PricedCart> {
  if (items.length === 0) throw new CartError('Your cart is empty.', 'empty_cart');
  if (items.length > MAX_LINES) throw new CartError(`A cart holds at most ${MAX_LINES} different items.`, 'too_many_items');
  const seen = new Set<string>();
  for (const item of items) {
    // A malformed id is no different from an unknown one, and must not reach a uuid column.
    if (!isUuid(item.priceId)) throw new CartError(UNAVAILABLE, 'unknown_price');
    const id = item.priceId.toLowerCase();
    if (seen.has(id)) throw new CartError('Your cart lists the same item twice. Refresh the page and try again.', 'duplicate_item');
    seen.add(id);
  }

  const rows = await db
    .select({ price: prices, product: products })
    .from(prices)
    .innerJoin(products, eq(products.id, prices.productId))
    .where(inArray(prices.id, [...seen]));
  const byId = new Map(rows.map((row) => [row.price.id, row]));

  const lines: PricedLine[] = items.map((item, index) => {
    const row = byId.get(item.priceId.toLowerCase());
    if (!row) throw new CartError(UNAVAILABLE, 'unknown_price', `items.${index}`);
    const { price, product } = row;
    if (!Number.isSafeInteger(item.quantity) || item.quantity < MIN_QUANTITY || item.quantity > MAX_QUANTITY) {
      throw new CartError(
        `Quantity of ${product.name} must be a whole number between ${MIN_QUANTITY} and ${MAX_QUANTITY}.`,
        'invalid_quantity',
        `items.${index}.quantity`,
      );
    }
    if (!price.active || !product.active) {
      throw new CartError(`${product.name} is no longer for sale. Remove it from your cart to continue.`, 'inactive_price');
    }
    if (price.type !== 'one_time') {
      throw new CartError(`${product.name} is a membership, not a one-time purchase: choose it on the pricing page instead.`, 'not_one_time');
    }
    const unitAmount = money(price.amount, price.currency);
    return { priceId: price.id, description: product.name, unitAmount, quantity: item.quantity, amountTotal: multiplyMoney(unitAmount, item.quantity) };
  });

  const currencies = [...new Set(lines.map((line) => line.unitAmount.currency))];
  const [currency] = currencies;
  if (!currency) throw new CartError('Your cart is empty.', 'empty_cart');
  if (currencies.length > 1) {
    throw new CartError(
      `Your cart mixes currencies (${currencies.join(' and ')}). Items priced in different currencies must be bought in separate orders.`,
      'mixed_currencies',
    );
  }

  const subtotal = lines.reduce((sum, line) => addMoney(sum, line.amountTotal), money(0, currency));
  if (subtotal.amount > MAX_TOTAL) throw new CartError('This order is larger than we can take in one payment. Split it into smaller orders.', 'total_too_large');
  if (subtotal.amount <= 0) throw new CartError('There is nothing to pay for in this cart.', 'nothing_to_pay');
  return { currency, lines, subtotal, total: subtotal };
}
