import type { PricedCart } from '@/lib/billing/cart';
import type { OrderDetails } from '@/lib/billing/orders';
import { formatMoney, type Money } from '@/lib/money';
import type { PaymentHandoff, PaymentProviderName } from '@/lib/payments/types';

/**
 * What checkout pages hand to the browser: lines and totals already priced and formatted on
 * the server, so the browser never computes (or sends) an amount.
 */

export interface LineView {
  priceId: string;
  description: string;
  quantity: number;
  unitPrice: string;
  total: string;
}

export interface QuoteView {
  lines: LineView[];
  total: string;
}

export interface OrderView extends QuoteView {
  number: number;
  email: string;
  /** Signed: proves this browser's claim to the order on the confirmation page. */
  token: string;
}

export interface CheckoutSessionView {
  order: OrderView;
  /** How the browser finishes the order's payment; null when it could not be readied yet (the customer presses Continue again). */
  handoff: PaymentHandoff | null;
  /** The providers whose buttons may also pay this order (PayPal, when it takes the order's currency). */
  approvals: PaymentProviderName[];
}

function lineView(line: { priceId: string; description: string; quantity: number; unitAmount: Money; amountTotal: Money }): LineView {
  return { priceId: line.priceId, description: line.description, quantity: line.quantity, unitPrice: formatMoney(line.unitAmount), total: formatMoney(line.amountTotal) };
}

export function quoteView(cart: PricedCart): QuoteView {
  return { lines: cart.lines.map(lineView), total: formatMoney(cart.total) };
}

export function orderView(order: OrderDetails, token: string): OrderView {
  return { number: order.number, email: order.email, token, lines: order.lines.map(lineView), total: formatMoney(order.total) };
}

/** Whether the lines (priced on the server) are what the browser's cart holds now. */
export function linesMatchItems(lines: readonly { priceId: string; quantity: number }[], items: readonly { priceId: string; quantity: number }[]): boolean {
  const key = (list: readonly { priceId: string; quantity: number }[]) =>
    list
      .map((item) => `${item.priceId.toLowerCase()}:${item.quantity}`)
      .sort()
      .join(',');
  return key(lines) === key(items);
}
