import type Stripe from 'stripe';
import { formatMoney } from '@/lib/money';
import type { Tx } from '../../store';
import { invalidRequest } from '../errors';
import { newId } from '../ids';
import { describeRecurrence, formatDate, recurrenceOf } from './periods';

/**
 * What a subscription owes, before it lands on an invoice: a period of an item, or a proration
 * of a change. Every amount is an integer count of the currency's minor units.
 */
export interface BillableLine {
  amount: number;
  currency: string;
  description: string;
  quantity: number;
  price: Stripe.Price;
  period: { start: number; end: number };
  subscriptionItem: string;
  proration: boolean;
  /** The pending invoice item this line came from (prorations), if any. */
  invoiceItem: string | null;
}

type Decimal = NonNullable<Stripe.Price['unit_amount_decimal']>;

/** The SDK parses these fields into its Decimal type; on the wire they are strings. */
export function decimal(value: number): Decimal {
  return String(value) as unknown as Decimal;
}

export function itemAmount(price: Stripe.Price, quantity: number): number {
  const amount = (price.unit_amount ?? 0) * quantity;
  if (!Number.isSafeInteger(amount) || amount > 99_999_999_999) throw invalidRequest('The amount of this subscription item is too large.', 'items');
  return amount;
}

/**
 * `amount × part / whole`, rounded half away from zero, as Stripe rounds each proration line.
 * BigInt keeps the product exact: amounts times seconds overflow a double's integers.
 */
export function prorate(amount: number, part: number, whole: number): number {
  if (whole <= 0 || part <= 0) return 0;
  if (part >= whole) return amount;
  const magnitude = BigInt(Math.abs(amount)) * BigInt(part);
  const divisor = BigInt(whole);
  const rounded = (magnitude * 2n + divisor) / (divisor * 2n);
  return amount < 0 ? -Number(rounded) : Number(rounded);
}

export function productId(price: Stripe.Price): string {
  return typeof price.product === 'string' ? price.product : price.product.id;
}

/** Product names for descriptions, looked up once per request. */
export class ProductNames {
  private readonly names = new Map<string, string>();
  constructor(private readonly tx: Tx) {}

  async of(price: Stripe.Price): Promise<string> {
    const id = productId(price);
    const known = this.names.get(id);
    if (known !== undefined) return known;
    const product = await this.tx.get<Stripe.Product>('product', id);
    const name = product?.name ?? id;
    this.names.set(id, name);
    return name;
  }
}

function unitPrice(price: Stripe.Price): string {
  return formatMoney({ amount: price.unit_amount ?? 0, currency: price.currency.toUpperCase() });
}

export async function periodLine(
  names: ProductNames,
  item: { id: string; price: Stripe.Price; quantity?: number },
  period: { start: number; end: number },
  options: { trial?: boolean } = {},
): Promise<BillableLine> {
  const quantity = item.quantity ?? 1;
  const product = await names.of(item.price);
  return {
    amount: options.trial ? 0 : itemAmount(item.price, quantity),
    currency: item.price.currency,
    description: options.trial
      ? `Trial period for ${product}`
      : `${quantity} × ${product} (at ${unitPrice(item.price)} / ${describeRecurrence(recurrenceOf(item.price))})`,
    quantity,
    price: item.price,
    period,
    subscriptionItem: item.id,
    proration: false,
    invoiceItem: null,
  };
}

/** "Unused time on …" (a credit) or "Remaining time on …" (a charge) from `at` to the period's end. */
export async function prorationLine(
  names: ProductNames,
  kind: 'unused' | 'remaining',
  item: { id: string; price: Stripe.Price; quantity?: number },
  period: { start: number; end: number },
  at: number,
): Promise<BillableLine> {
  const quantity = item.quantity ?? 1;
  const product = await names.of(item.price);
  const full = itemAmount(item.price, quantity);
  const amount = prorate(full, period.end - at, period.end - period.start);
  const what = `${quantity > 1 ? `${quantity} × ` : ''}${product}`;
  return {
    amount: kind === 'unused' ? -amount : amount,
    currency: item.price.currency,
    description: `${kind === 'unused' ? 'Unused' : 'Remaining'} time on ${what} after ${formatDate(at)}`,
    quantity,
    price: item.price,
    period: { start: at, end: period.end },
    subscriptionItem: item.id,
    proration: true,
    invoiceItem: null,
  };
}

export function toInvoiceLineItem(line: BillableLine, invoiceId: string | null, subscriptionId: string | null): Stripe.InvoiceLineItem {
  return {
    id: newId('il'),
    object: 'line_item',
    amount: line.amount,
    currency: line.currency,
    description: line.description,
    discount_amounts: [],
    discountable: !line.proration,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: {},
    parent: {
      type: 'subscription_item_details',
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: line.invoiceItem,
        proration: line.proration,
        proration_details: { credited_items: null },
        subscription: subscriptionId,
        subscription_item: line.subscriptionItem,
      },
    },
    period: line.period,
    pretax_credit_amounts: [],
    pricing: { type: 'price_details', price_details: { price: line.price.id, product: productId(line.price) }, unit_amount_decimal: decimal(line.price.unit_amount ?? 0) },
    quantity: line.quantity,
    quantity_decimal: decimal(line.quantity),
    subscription: subscriptionId,
    subtotal: line.amount,
    taxes: [],
  };
}

/** A proration waiting for the next invoice, as the `invoiceitem` Stripe creates for it. */
export function toInvoiceItem(line: BillableLine, customer: Stripe.Customer, subscriptionId: string, date: number): Stripe.InvoiceItem {
  return {
    id: newId('ii'),
    object: 'invoiceitem',
    amount: line.amount,
    currency: line.currency,
    customer: customer.id,
    customer_account: null,
    date,
    description: line.description,
    discountable: false,
    discounts: [],
    invoice: null,
    livemode: false,
    metadata: {},
    parent: { type: 'subscription_details', subscription_details: { subscription: subscriptionId, subscription_item: line.subscriptionItem } },
    period: line.period,
    pricing: { type: 'price_details', price_details: { price: line.price.id, product: productId(line.price) }, unit_amount_decimal: decimal(line.price.unit_amount ?? 0) },
    proration: line.proration,
    quantity: line.quantity,
    quantity_decimal: decimal(line.quantity),
    tax_rates: [],
    test_clock: typeof customer.test_clock === 'string' ? customer.test_clock : null,
  };
}

/** The billable line of a pending invoice item (the price is looked up again: items keep its id). */
export async function fromInvoiceItem(tx: Tx, item: Stripe.InvoiceItem): Promise<BillableLine> {
  const details = item.pricing?.price_details;
  const priceId = details ? (typeof details.price === 'string' ? details.price : details.price.id) : null;
  const price = priceId ? await tx.get<Stripe.Price>('price', priceId) : null;
  if (!price) throw new Error(`invoice item ${item.id} has no price`);
  return {
    amount: item.amount,
    currency: item.currency,
    description: item.description ?? '',
    quantity: item.quantity,
    price,
    period: item.period,
    subscriptionItem: item.parent?.subscription_details?.subscription_item ?? '',
    proration: item.proration,
    invoiceItem: item.id,
  };
}
