import { z } from 'zod';
import { mustGet, type PaypalContext, type PaypalRecord, type PaypalRoute } from './context';
import { PaypalApiError, parseBody } from './errors';
import { raiseEvent } from './events';
import { paypalTime, resourceId } from './ids';
import { PAYPAL_CURRENCY_DECIMALS, paypalMoney, PaypalMoneySchema, unitsOf } from './money';

/**
 * Subscription payments are PayPal's older "sales" (Payments v1): each charge a subscription
 * makes is a sale whose `billing_agreement_id` is the subscription id, announced by
 * PAYMENT.SALE.COMPLETED (resource_type `sale`, resource_version 1.0) and refunded through
 * `POST /v1/payments/sale/:id/refund`. PayPal's OpenAPI package has no Payments v1 file; these
 * shapes follow PayPal's v1 reference and its published PAYMENT.SALE.* webhook samples.
 */

const DOCS = 'payments/v1';
export const SALE = 'paypal_sale';
export const SALE_REFUND = 'paypal_sale_refund';

/** v1 amounts: `{ total, currency, details }`, values as decimal strings. */
export interface SaleAmount {
  total: string;
  currency: string;
  details?: { subtotal: string; tax?: string; shipping?: string };
}

export interface SaleResource {
  id: string;
  state: 'completed' | 'partially_refunded' | 'refunded';
  amount: SaleAmount;
  payment_mode: 'INSTANT_TRANSFER';
  protection_eligibility: 'ELIGIBLE';
  protection_eligibility_type: string;
  transaction_fee: { value: string; currency: string };
  billing_agreement_id: string;
  custom?: string;
  create_time: string;
  update_time: string;
}

export interface SaleInternal {
  gross: number;
  fee: number;
  refunded: number;
  payer: { email: string; given_name: string; surname: string };
}

export type SaleRecord = PaypalRecord<SaleResource, SaleInternal>;

export interface SaleRefundResource {
  id: string;
  state: 'completed';
  amount: { total: string; currency: string };
  refund_from_transaction_fee: { value: string; currency: string };
  refund_from_received_amount: { value: string; currency: string };
  total_refunded_amount: { value: string; currency: string };
  sale_id: string;
  invoice_number?: string;
  description?: string;
  reason?: string;
  create_time: string;
  update_time: string;
}

export type SaleRefundRecord = PaypalRecord<SaleRefundResource, Record<string, never>>;

/**
 * PayPal's fee for a domestic PayPal payment, 3.49% plus a fixed part (0.49 in two-decimal
 * currencies, 40 units in those without decimals, as for JPY), in whole units; never more than
 * the payment.
 */
export function paypalFee(gross: number, currency: string): number {
  const fixed = PAYPAL_CURRENCY_DECIMALS[currency] === 0 ? 40 : 49;
  return Math.min(gross, Math.round((gross * 349) / 10_000) + fixed);
}

function decimal(units: number, currency: string): string {
  return paypalMoney(units, currency).value;
}

export function saleView(record: SaleRecord, base: string) {
  const href = `${base}/v1/payments/sale/${record.id}`;
  return { ...record.resource, links: [{ href, rel: 'self', method: 'GET' }, { href: `${href}/refund`, rel: 'refund', method: 'POST' }] };
}

function refundView(record: SaleRefundRecord, base: string) {
  return {
    ...record.resource,
    links: [
      { href: `${base}/v1/payments/refund/${record.id}`, rel: 'self', method: 'GET' },
      { href: `${base}/v1/payments/sale/${record.resource.sale_id}`, rel: 'sale', method: 'GET' },
    ],
  };
}

export interface SaleInput {
  subscriptionId: string;
  currency: string;
  subtotal: number;
  tax: number;
  shipping: number;
  customId?: string;
  payer: SaleInternal['payer'];
  /** The subscription's time (it may run ahead of the wall clock). */
  at: number;
}

/** Records a completed sale and raises PAYMENT.SALE.COMPLETED. */
export async function recordSale(ctx: PaypalContext, input: SaleInput): Promise<SaleRecord> {
  const gross = input.subtotal + input.tax + input.shipping;
  const fee = paypalFee(gross, input.currency);
  const time = paypalTime(input.at);
  const id = resourceId();
  const details = {
    subtotal: decimal(input.subtotal, input.currency),
    ...(input.tax > 0 ? { tax: decimal(input.tax, input.currency) } : {}),
    ...(input.shipping > 0 ? { shipping: decimal(input.shipping, input.currency) } : {}),
  };
  const record: SaleRecord = {
    id,
    object: SALE,
    created: input.at,
    resource: {
      id,
      state: 'completed',
      amount: { total: decimal(gross, input.currency), currency: input.currency, details },
      payment_mode: 'INSTANT_TRANSFER',
      protection_eligibility: 'ELIGIBLE',
      protection_eligibility_type: 'ITEM_NOT_RECEIVED_ELIGIBLE,UNAUTHORIZED_PAYMENT_ELIGIBLE',
      transaction_fee: { value: decimal(fee, input.currency), currency: input.currency },
      billing_agreement_id: input.subscriptionId,
      ...(input.customId ? { custom: input.customId } : {}),
      create_time: time,
      update_time: time,
    },
    internal: { gross, fee, refunded: 0, payer: input.payer },
  };
  await ctx.tx.insert(record);
  await raiseEvent({ ...ctx, now: input.at }, { eventType: 'PAYMENT.SALE.COMPLETED', resourceType: 'sale', resourceVersion: '1.0', resource: saleView(record, ctx.base), summary: `Payment completed for $ ${record.resource.amount.total} ${input.currency}` });
  return record;
}

/** A subscription's sales, oldest first, optionally within [from, to] (Unix seconds). */
export async function salesOf(ctx: PaypalContext, subscriptionId: string, window: { from?: number; to?: number } = {}): Promise<SaleRecord[]> {
  const rows = await ctx.tx.sql<{ data: SaleRecord }[]>`
    select data from sandbox.objects where type = ${SALE} and data->'resource'->>'billing_agreement_id' = ${subscriptionId}
      and (${window.from ?? null}::bigint is null or created >= ${window.from ?? null})
      and (${window.to ?? null}::bigint is null or created <= ${window.to ?? null})
    order by created, seq`;
  return rows.map((row) => row.data);
}

const RefundSale = z.object({
  amount: z.object({ total: z.string(), currency: z.string() }).optional(),
  invoice_number: z.string().max(127).optional(),
  description: z.string().max(255).optional(),
  reason: z.string().max(30).optional(),
});

/** v1's refusal: `name` says what (TRANSACTION_REFUSED, …), with no `details`. */
function refused(name: string, message: string): PaypalApiError {
  return new PaypalApiError(400, [], name, message);
}

export const SALE_ROUTES: PaypalRoute[] = [
  {
    method: 'GET',
    path: '/v1/payments/sale/:id',
    docs: DOCS,
    async handle(ctx) {
      return { status: 200, body: saleView((await mustGet<SaleResource, SaleInternal>(ctx.tx, SALE, ctx.params.id ?? '')) as SaleRecord, ctx.base) };
    },
  },
  {
    method: 'GET',
    path: '/v1/payments/refund/:id',
    docs: DOCS,
    async handle(ctx) {
      return { status: 200, body: refundView((await mustGet<SaleRefundResource>(ctx.tx, SALE_REFUND, ctx.params.id ?? '')) as SaleRefundRecord, ctx.base) };
    },
  },
  {
    method: 'POST',
    path: '/v1/payments/sale/:id/refund',
    docs: DOCS,
    idempotency: 'payments',
    async replay(ctx, id) {
      return { status: 201, body: refundView((await mustGet<SaleRefundResource>(ctx.tx, SALE_REFUND, id)) as SaleRefundRecord, ctx.base), resourceId: id };
    },
    async handle(ctx) {
      const sale = (await mustGet<SaleResource, SaleInternal>(ctx.tx, SALE, ctx.params.id ?? '', { lock: true })) as SaleRecord;
      const input = parseBody(RefundSale, ctx.body);
      const currency = sale.resource.amount.currency;
      const remaining = sale.internal.gross - sale.internal.refunded;
      if (remaining === 0) throw refused('TRANSACTION_REFUSED', 'The request was refused. This transaction has already been fully refunded.');
      let units = remaining;
      if (input.amount) {
        if (input.amount.currency !== currency) throw refused('TRANSACTION_REFUSED', `The request was refused. The refund currency must be the sale's, ${currency}.`);
        units = unitsOf(parseBody(PaypalMoneySchema, { currency_code: input.amount.currency, value: input.amount.total }, 'body'));
        if (units <= 0) throw refused('VALIDATION_ERROR', 'Invalid request - see details. The refund amount must be greater than zero.');
        if (units > remaining) throw refused('TRANSACTION_REFUSED', 'The request was refused. The refund amount is more than the amount left on the sale.');
      }
      // The fee is returned in proportion to what is refunded, as PayPal does for a partial refund.
      const feeBack = units === remaining ? sale.internal.fee - Math.round((sale.internal.fee * sale.internal.refunded) / sale.internal.gross) : Math.round((sale.internal.fee * units) / sale.internal.gross);
      const refunded = sale.internal.refunded + units;
      const time = paypalTime(ctx.now);
      const id = resourceId();
      const record: SaleRefundRecord = {
        id,
        object: SALE_REFUND,
        created: ctx.now,
        resource: {
          id,
          state: 'completed',
          amount: { total: decimal(units, currency), currency },
          refund_from_transaction_fee: { value: decimal(feeBack, currency), currency },
          refund_from_received_amount: { value: decimal(units - feeBack, currency), currency },
          total_refunded_amount: { value: decimal(refunded, currency), currency },
          sale_id: sale.id,
          ...(input.invoice_number ? { invoice_number: input.invoice_number } : {}),
          ...(input.description ? { description: input.description } : {}),
          ...(input.reason ? { reason: input.reason } : {}),
          create_time: time,
          update_time: time,
        },
        internal: {},
      };
      await ctx.tx.insert(record);
      await ctx.tx.save({ ...sale, resource: { ...sale.resource, state: refunded === sale.internal.gross ? 'refunded' : 'partially_refunded', update_time: time }, internal: { ...sale.internal, refunded } });
      const view = refundView(record, ctx.base);
      await raiseEvent(ctx, { eventType: 'PAYMENT.SALE.REFUNDED', resourceType: 'refund', resourceVersion: '1.0', resource: { ...view, parent_payment: sale.resource.billing_agreement_id }, summary: `A ${view.amount.total} ${currency} sale payment was REFUNDED` });
      return { status: 201, body: view, resourceId: id };
    },
  },
];
