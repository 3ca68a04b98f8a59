import { z } from 'zod';
import { PaypalApiError, type PaypalErrorDetail } from './errors';
import { PaypalMoneySchema, unitsOf, type PaypalMoney } from './money';
import { SANDBOX_PAYEE, type AmountBreakdown, type ExperienceContext, type PurchaseUnit } from './order-types';

/**
 * What `POST /v2/checkout/orders` (and a PATCH of a purchase unit) is checked against, as PayPal
 * checks it: the shape first (400, one detail per bad field), then the sums (422): the item total
 * is the sum of the items, the tax total the sum of their taxes, and the amount the breakdown's
 * sum; one currency per order; unique reference ids.
 */

const text = (max: number) => z.string().min(1, 'INVALID_STRING_LENGTH: The value of a field is either too short or too long.').max(max, 'INVALID_STRING_LENGTH: The value of a field is either too short or too long.');

const ItemSchema = z.object({
  name: text(127),
  quantity: z.string().regex(/^[1-9]\d{0,9}$/),
  unit_amount: PaypalMoneySchema,
  tax: PaypalMoneySchema.optional(),
  description: text(127).optional(),
  sku: text(127).optional(),
  category: z.enum(['DIGITAL_GOODS', 'PHYSICAL_GOODS', 'DONATION']).optional(),
});

const BreakdownSchema = z.object({
  item_total: PaypalMoneySchema.optional(),
  shipping: PaypalMoneySchema.optional(),
  handling: PaypalMoneySchema.optional(),
  tax_total: PaypalMoneySchema.optional(),
  insurance: PaypalMoneySchema.optional(),
  shipping_discount: PaypalMoneySchema.optional(),
  discount: PaypalMoneySchema.optional(),
});

const AddressSchema = z.object({
  address_line_1: text(300).optional(),
  address_line_2: text(300).optional(),
  admin_area_2: text(120).optional(),
  admin_area_1: text(300).optional(),
  postal_code: text(60).optional(),
  country_code: z.string().regex(/^[A-Z]{2}$/, 'INVALID_COUNTRY_CODE: Country code is invalid.'),
});

export const ShippingSchema = z.object({
  type: z.enum(['SHIPPING', 'PICKUP_IN_PERSON', 'PICKUP_IN_STORE', 'PICKUP_FROM_PERSON']).optional(),
  name: z.object({ full_name: text(300).optional() }).optional(),
  address: AddressSchema.optional(),
});

export const PurchaseUnitSchema = z.object({
  reference_id: text(256).optional(),
  amount: PaypalMoneySchema.and(z.object({ breakdown: BreakdownSchema.optional() })),
  description: text(127).optional(),
  custom_id: text(255).optional(),
  invoice_id: text(127).optional(),
  soft_descriptor: text(22).optional(),
  items: z.array(ItemSchema).optional(),
  shipping: ShippingSchema.optional(),
});

const url = z.string().url().max(4000);
const ExperienceSchema = z.object({
  return_url: url.optional(),
  cancel_url: url.optional(),
  brand_name: text(127).optional(),
  user_action: z.enum(['CONTINUE', 'PAY_NOW']).optional(),
  shipping_preference: z.enum(['GET_FROM_FILE', 'NO_SHIPPING', 'SET_PROVIDED_ADDRESS']).optional(),
  landing_page: z.enum(['LOGIN', 'GUEST_CHECKOUT', 'NO_PREFERENCE', 'BILLING']).optional(),
  locale: z.string().max(10).optional(),
});

export const CreateOrderSchema = z.object({
  intent: z.enum(['CAPTURE', 'AUTHORIZE']),
  purchase_units: z
    .array(PurchaseUnitSchema)
    .min(1, 'INVALID_ARRAY_MIN_ITEMS: The number of items in an array parameter is too small.')
    .max(10, 'INVALID_ARRAY_MAX_ITEMS: The number of items in an array parameter is too large.'),
  payment_source: z.object({ paypal: z.object({ experience_context: ExperienceSchema.optional(), email_address: z.string().email().optional() }).optional() }).optional(),
  application_context: ExperienceSchema.optional(),
});

export type CreateOrderRequest = z.infer<typeof CreateOrderSchema>;
type PurchaseUnitRequest = z.infer<typeof PurchaseUnitSchema>;

export function experienceOf(request: CreateOrderRequest): ExperienceContext {
  const given = request.payment_source?.paypal?.experience_context ?? request.application_context ?? {};
  const { return_url, cancel_url, brand_name, user_action, shipping_preference } = given;
  return Object.fromEntries(Object.entries({ return_url, cancel_url, brand_name, user_action, shipping_preference }).filter(([, value]) => value !== undefined));
}

const sumOf = (values: number[]) => values.reduce((total, value) => total + value, 0);

function issue(issue: string, description: string, field: string): PaypalErrorDetail {
  return { issue, description, field, location: 'body' };
}

/** The 422s of one purchase unit's sums, with the unit's JSON pointer (`/purchase_units/@reference_id=='default'/amount`). */
function sumIssues(unit: PurchaseUnitRequest, at: string): PaypalErrorDetail[] {
  const currency = unit.amount.currency_code;
  const breakdown: AmountBreakdown = unit.amount.breakdown ?? {};
  const moneys: [string, PaypalMoney | undefined][] = [
    ...Object.entries(breakdown).map(([name, money]): [string, PaypalMoney | undefined] => [`${at}/amount/breakdown/${name}`, money]),
    ...(unit.items ?? []).flatMap((item, index): [string, PaypalMoney | undefined][] => [[`${at}/items/${index}/unit_amount`, item.unit_amount], [`${at}/items/${index}/tax`, item.tax]]),
  ];
  const foreign = moneys.find(([, money]) => money && money.currency_code !== currency);
  if (foreign) return [issue('INVALID_CURRENCY_CODE', 'Currency code is invalid or is not currently supported. Please refer https://developer.paypal.com/api/rest/reference/currency-codes/ for list of supported currency codes.', `${foreign[0]}/currency_code`)];
  const amount = unitsOf(unit.amount);
  if (amount <= 0) return [issue('CANNOT_BE_ZERO_OR_NEGATIVE', 'Must be greater than zero. If the currency supports decimals, only two decimal place precision is supported.', `${at}/amount/value`)];
  const items = unit.items ?? [];
  const details: PaypalErrorDetail[] = [];
  if (items.length > 0) {
    if (!breakdown.item_total) return [issue('ITEM_TOTAL_REQUIRED', 'If item details are specified (items.unit_amount and items.quantity) corresponding amount.breakdown.item_total is required.', `${at}/amount/breakdown/item_total`)];
    if (sumOf(items.map((item) => unitsOf(item.unit_amount) * Number(item.quantity))) !== unitsOf(breakdown.item_total)) {
      details.push(issue('ITEM_TOTAL_MISMATCH', 'Should equal sum of (unit_amount * quantity) across all items for a given purchase_unit.', `${at}/amount/breakdown/item_total/value`));
    }
    const taxed = items.filter((item) => item.tax);
    if (taxed.length > 0 && !breakdown.tax_total) return [issue('TAX_TOTAL_REQUIRED', 'If item details are specified (items.tax_total and items.quantity) corresponding amount.breakdown.tax_total is required.', `${at}/amount/breakdown/tax_total`)];
    if (taxed.length > 0 && breakdown.tax_total && sumOf(taxed.map((item) => unitsOf(item.tax as PaypalMoney) * Number(item.quantity))) !== unitsOf(breakdown.tax_total)) {
      details.push(issue('TAX_TOTAL_MISMATCH', 'Should equal sum of (tax * quantity) across all items for a given purchase_unit.', `${at}/amount/breakdown/tax_total/value`));
    }
  }
  if (unit.amount.breakdown) {
    const plus = ['item_total', 'shipping', 'handling', 'tax_total', 'insurance'] as const;
    const minus = ['shipping_discount', 'discount'] as const;
    const expected = sumOf(plus.map((name) => (breakdown[name] ? unitsOf(breakdown[name]) : 0))) - sumOf(minus.map((name) => (breakdown[name] ? unitsOf(breakdown[name]) : 0)));
    if (expected !== amount) {
      details.push(issue('AMOUNT_MISMATCH', 'Should equal item_total + tax_total + shipping + handling + insurance - shipping_discount - discount.', `${at}/amount/value`));
    }
  }
  return details;
}

/**
 * The purchase units as stored: reference ids (`default` for a lone unit without one), the
 * payee, and PayPal's business checks, thrown as one 422 listing every issue.
 */
export function checkedPurchaseUnits(units: PurchaseUnitRequest[]): PurchaseUnit[] {
  const details: PaypalErrorDetail[] = [];
  if (units.length > 1 && units.some((unit) => unit.reference_id === undefined)) {
    details.push(issue('REFERENCE_ID_REQUIRED', "'reference_id' is required for each 'purchase_unit' if multiple 'purchase_unit' are provided.", '/purchase_units/0/reference_id'));
  }
  const ids = units.map((unit) => unit.reference_id ?? 'default');
  if (new Set(ids).size !== ids.length) details.push(issue('DUPLICATE_REFERENCE_ID', '`reference_id` must be unique if multiple `purchase_unit` are provided.', '/purchase_units/1/reference_id'));
  if (new Set(units.map((unit) => unit.amount.currency_code)).size > 1) {
    details.push(issue('MULTI_CURRENCY_ORDER', 'Multiple differing values of currency_code are not supported. Entire Order request must have the same currency_code.', '/purchase_units/1/amount/currency_code'));
  }
  units.forEach((unit, index) => details.push(...sumIssues(unit, `/purchase_units/${index}`)));
  if (details.length > 0) throw new PaypalApiError(422, details);
  return units.map((unit, index) => {
    const { amount, items, ...rest } = unit;
    return {
      ...rest,
      reference_id: ids[index] as string,
      amount: { currency_code: amount.currency_code, value: amount.value, ...(amount.breakdown ? { breakdown: amount.breakdown } : {}) },
      payee: { ...SANDBOX_PAYEE },
      ...(items ? { items: items.map((item) => ({ ...item })) } : {}),
    };
  });
}
