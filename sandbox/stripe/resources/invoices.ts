import type Stripe from 'stripe';
import type { RequestContext } from '../context';
import type { Route } from '../routes';
import { checkProrationDate, checkSameRecurrence, newSubscriptionItem, planSubscriptionChange, subscribablePrice } from '../billing/changes';
import { customerTime } from '../billing/clock';
import {
  announce,
  buildInvoice,
  collectInvoice,
  customerIdOf,
  finalizeInvoice,
  markInvoicePaid,
  markInvoiceUncollectible,
  voidInvoice,
  type DraftInvoice,
} from '../billing/invoicing';
import { periodLine, ProductNames, type BillableLine } from '../billing/lines';
import { boundaryAfter, recurrenceOf } from '../billing/periods';
import { currentPeriod, ENDED, pendingLines, upcomingRenewal } from '../billing/subscription-cycle';
import { CommittedError, invalidRequest, StripeApiError } from '../errors';
import { p, parseParams } from '../params';
import { randomToken } from '../ids';
import { LIST_PARAMS, listObjects, mergeMetadata, mustGet, pathId } from './common';
import { resolvePaymentMethod } from './payment-methods';
import type { SandboxSubscription } from './subscriptions';

/**
 * Invoices: what subscriptions bill. Created by the billing engine (never by hand here), then
 * listed, paid, finalized, voided or written off, and previewed before a plan change.
 */
export type SandboxInvoice = Stripe.Invoice & {
  /** Fields Stripe returns only when asked for (`expand[]=confirmation_secret`, `expand[]=payments`). */
  _includable: { confirmation_secret: Stripe.Invoice.ConfirmationSecret | null; payments: Stripe.ApiList<Stripe.InvoicePayment> };
  _sandbox: {
    /** Part of the hosted page and PDF addresses, so an invoice id alone does not open them. */
    token: string;
    paymentIntent: string | null;
    /** Failed attempts by the billing engine, and when the first one was: the retry schedule's clock. */
    automaticFailures: number;
    firstAutomaticFailureAt: number | null;
  };
};

const STATUSES = ['draft', 'open', 'paid', 'uncollectible', 'void'] as const;
const ITEM_CHANGES = p.array(p.object({ id: p.id(), price: p.id(), quantity: p.int({ min: 1, max: 100000 }), deleted: p.bool(), metadata: p.metadata(), clear_usage: p.bool() }), { max: 20 });

function upcomingNone(customer: string): StripeApiError {
  return invalidRequest(`No upcoming invoices for customer: ${customer}`, undefined, 'invoice_upcoming_none');
}

async function getInvoice(ctx: RequestContext, forUpdate = false): Promise<SandboxInvoice> {
  return mustGet<SandboxInvoice>(ctx, 'invoice', pathId(ctx), 'invoice', 'id', forUpdate);
}

/**
 * `POST /v1/invoices/create_preview`: the invoice a subscription change would produce, computed
 * by the same planner the update uses. Billed now (`always_invoice`, a new cycle): the
 * immediate invoice. Otherwise: the next renewal, with the change's prorations when they
 * would be created.
 */
async function previewInvoice(ctx: RequestContext) {
  const params = parseParams(
    {
      customer: p.id(),
      subscription: p.id(),
      // The next invoice of the subscription a schedule manages (schedule_details is not emulated).
      schedule: p.id(),
      subscription_details: p.object({
        items: ITEM_CHANGES,
        proration_date: p.int({ min: 0 }),
        proration_behavior: p.oneOf(['create_prorations', 'none', 'always_invoice'] as const),
        billing_cycle_anchor: p.object({ type: p.oneOf(['now', 'unchanged'] as const).req() }),
        cancel_at_period_end: p.bool(),
        default_tax_rates: p.any(),
      }),
      preview_mode: p.oneOf(['next', 'recurring'] as const),
      automatic_tax: p.any(),
      currency: p.currency(),
      customer_details: p.any(),
      discounts: p.any(),
      invoice_items: p.any(),
      issuer: p.any(),
      on_behalf_of: p.any(),
    },
    ctx.params,
  );
  const details = params.subscription_details ?? {};
  const names = new ProductNames(ctx.tx);
  if (params.schedule) {
    if (params.subscription) throw invalidRequest('You may only specify one of these parameters: schedule, subscription.', 'schedule');
    const schedule = await mustGet<Stripe.SubscriptionSchedule>(ctx, 'subscription_schedule', params.schedule, 'subscription_schedule', 'schedule');
    const managed = typeof schedule.subscription === 'string' ? schedule.subscription : (schedule.subscription?.id ?? null);
    if (!managed) throw upcomingNone(typeof schedule.customer === 'string' ? schedule.customer : schedule.customer.id);
    params.subscription = managed;
  }
  if (!params.subscription) {
    if (!params.customer) throw invalidRequest('Missing required param: customer or subscription.', 'customer');
    const customer = await mustGet<Stripe.Customer>(ctx, 'customer', params.customer, 'customer', 'customer');
    if (!details.items) throw upcomingNone(customer.id);
    const now = await customerTime(ctx.tx, customer.id);
    const prices: Stripe.Price[] = [];
    for (const [index, item] of details.items.entries()) {
      if (!item.price) throw invalidRequest(`Missing required param: subscription_details[items][${index}][price].`, `subscription_details[items][${index}][price]`);
      prices.push(await subscribablePrice(ctx, item.price, `subscription_details[items][${index}][price]`, prices[0]?.currency));
    }
    checkSameRecurrence(prices);
    const first = prices[0] as Stripe.Price;
    const period = { start: now, end: boundaryAfter(now, recurrenceOf(first), 1) };
    const lines: BillableLine[] = [];
    for (const [index, price] of prices.entries()) {
      lines.push(await periodLine(names, newSubscriptionItem('', price, details.items[index]?.quantity ?? 1, period, now, {}), period));
    }
    return buildInvoice({ customer, subscription: null, billingReason: 'subscription_create', lines, currency: first.currency, period: { start: now, end: now } }, now, previewId());
  }

  const subscription = await mustGet<SandboxSubscription>(ctx, 'subscription', params.subscription, 'subscription', 'subscription');
  const customerId = customerIdOf(subscription);
  if (params.customer && params.customer !== customerId) throw invalidRequest('The subscription does not belong to this customer.', 'customer');
  const customer = await mustGet<Stripe.Customer>(ctx, 'customer', customerId, 'customer', 'customer');
  const now = await customerTime(ctx.tx, customerId);
  const period = currentPeriod(subscription);
  const behaviour = details.proration_behavior ?? 'create_prorations';
  const pending = await pendingLines(ctx, subscription.id);
  const changing = details.items !== undefined || details.billing_cycle_anchor?.type === 'now';
  if (ENDED.includes(subscription.status) || subscription.status === 'paused') throw upcomingNone(customerId);

  let draft: DraftInvoice;
  checkProrationDate(period, details.proration_date, 'subscription_details[proration_date]');
  const at = details.proration_date ?? now;
  const plan = changing
    ? await planSubscriptionChange(ctx, subscription, details.items, { at, prorationBehavior: behaviour, resetAnchor: details.billing_cycle_anchor?.type === 'now' })
    : null;
  if (plan && (plan.restartsCycle || behaviour === 'always_invoice')) {
    draft = {
      customer,
      subscription,
      billingReason: 'subscription_update',
      lines: [...pending, ...plan.prorations, ...plan.periodLines],
      currency: subscription.currency,
      period: { start: at, end: at },
      prorationDate: at,
    };
  } else {
    const endsAtPeriodEnd = details.cancel_at_period_end ?? (subscription.cancel_at !== null && subscription.cancel_at <= period.end);
    if (endsAtPeriodEnd) throw upcomingNone(customerId);
    draft = await upcomingRenewal(ctx, subscription, {
      items: plan?.items,
      extra: plan && behaviour === 'create_prorations' ? plan.prorations : [],
      ...(plan ? { prorationDate: at } : {}),
    });
  }
  return buildInvoice(draft, now, previewId());
}

function previewId(): string {
  return `upcoming_in_${randomToken(24)}`;
}

export const invoiceRoutes: Route[] = [
  // Before `/v1/invoices/:id`, which would otherwise take `create_preview` for an id.
  { method: 'POST', path: '/v1/invoices/create_preview', handler: previewInvoice },
  {
    method: 'GET',
    path: '/v1/invoices/:id',
    async handler(ctx) {
      parseParams({}, ctx.params);
      return getInvoice(ctx);
    },
  },
  {
    method: 'POST',
    path: '/v1/invoices/:id',
    async handler(ctx) {
      const params = parseParams(
        {
          metadata: p.metadata(),
          description: p.emptyable(p.string({ max: 1500 })),
          auto_advance: p.bool(),
          automatically_finalizes_at: p.timestamp(),
          default_payment_method: p.emptyable(p.id()),
          footer: p.emptyable(p.string()),
        },
        ctx.params,
      );
      const before = await getInvoice(ctx, true);
      if (before.status !== 'draft' && (params.description !== undefined || params.footer !== undefined || params.automatically_finalizes_at !== undefined)) {
        const param = params.description !== undefined ? 'description' : params.footer !== undefined ? 'footer' : 'automatically_finalizes_at';
        throw invalidRequest('You can only update the description, footer and finalization time of a draft invoice.', param, 'invoice_not_editable');
      }
      const finalizesAt = params.automatically_finalizes_at;
      if (typeof finalizesAt === 'number' && finalizesAt < (await customerTime(ctx.tx, before.customer))) {
        throw invalidRequest('automatically_finalizes_at must be in the future.', 'automatically_finalizes_at');
      }
      if (params.default_payment_method) {
        const paymentMethod = await mustGet<Stripe.PaymentMethod>(ctx, 'payment_method', params.default_payment_method, 'PaymentMethod', 'default_payment_method');
        if (paymentMethod.customer !== before.customer) throw invalidRequest('The payment method must be attached to the invoice’s customer.', 'default_payment_method');
      }
      const after: SandboxInvoice = {
        ...before,
        metadata: mergeMetadata(before.metadata, params.metadata),
        ...(params.description !== undefined ? { description: params.description } : {}),
        ...(params.footer !== undefined ? { footer: params.footer } : {}),
        ...(params.auto_advance !== undefined ? { auto_advance: params.auto_advance, ...(params.auto_advance ? {} : { next_payment_attempt: null }) } : {}),
        // When the billing engine finalizes the draft (a renewal's hour, brought forward or put back).
        ...(typeof finalizesAt === 'number' ? { automatically_finalizes_at: finalizesAt } : {}),
        ...(params.default_payment_method !== undefined ? { default_payment_method: params.default_payment_method } : {}),
      };
      await ctx.tx.save(after);
      await announce(ctx, 'invoice.updated', after, before);
      return after;
    },
  },
  {
    method: 'POST',
    path: '/v1/invoices/:id/finalize',
    async handler(ctx) {
      const params = parseParams({ auto_advance: p.bool() }, ctx.params);
      const before = await getInvoice(ctx, true);
      const now = await customerTime(ctx.tx, customerIdOf(before));
      const finalized = await finalizeInvoice(ctx, { ...before, auto_advance: params.auto_advance ?? before.auto_advance }, now);
      if (finalized.status !== 'open' || finalized.auto_advance === false || finalized.collection_method !== 'charge_automatically') return finalized;
      // Stripe charges an automatically collected invoice about an hour after finalization.
      const scheduled: SandboxInvoice = { ...finalized, next_payment_attempt: now + 3600 };
      await ctx.tx.save(scheduled);
      return scheduled;
    },
  },
  {
    method: 'POST',
    path: '/v1/invoices/:id/pay',
    async handler(ctx) {
      const params = parseParams(
        { payment_method: p.id(), off_session: p.bool(), paid_out_of_band: p.bool(), forgive: p.bool(), mandate: p.any(), source: p.any() },
        ctx.params,
      );
      let invoice = await getInvoice(ctx, true);
      const now = await customerTime(ctx.tx, customerIdOf(invoice));
      if (invoice.status === 'draft') invoice = await finalizeInvoice(ctx, invoice, now);
      if (params.paid_out_of_band) {
        if (invoice.status !== 'open') throw invalidRequest(`You cannot pay this invoice because it has a status of ${invoice.status}.`);
        return markInvoicePaid(ctx, invoice, now, null);
      }
      if (invoice.status === 'paid') return invoice;
      const paymentMethod = params.payment_method ? (await resolvePaymentMethod(ctx, params.payment_method)).id : undefined;
      const result = await collectInvoice(ctx, invoice.id, { paymentMethod, offSession: params.off_session ?? true, automatic: false });
      if (result.error) return result.error;
      if (result.invoice.status === 'open') {
        return new CommittedError(
          new StripeApiError(402, {
            type: 'card_error',
            code: 'invoice_payment_intent_requires_action',
            message: 'This payment requires additional user action before it can be completed successfully. Payment can be completed using the PaymentIntent associated with the invoice.',
            payment_intent: result.intent ?? undefined,
          }),
        );
      }
      return result.invoice;
    },
  },
  {
    method: 'POST',
    path: '/v1/invoices/:id/void',
    async handler(ctx) {
      parseParams({}, ctx.params);
      const before = await getInvoice(ctx, true);
      return voidInvoice(ctx, before, await customerTime(ctx.tx, customerIdOf(before)));
    },
  },
  {
    method: 'POST',
    path: '/v1/invoices/:id/mark_uncollectible',
    async handler(ctx) {
      parseParams({}, ctx.params);
      const before = await getInvoice(ctx, true);
      return markInvoiceUncollectible(ctx, before, await customerTime(ctx.tx, customerIdOf(before)));
    },
  },
  {
    method: 'GET',
    path: '/v1/invoices/:id/lines',
    async handler(ctx) {
      parseParams(LIST_PARAMS, ctx.params);
      const invoice = await getInvoice(ctx);
      return invoice.lines;
    },
  },
  {
    method: 'GET',
    path: '/v1/invoices',
    async handler(ctx) {
      const params = parseParams(
        {
          ...LIST_PARAMS,
          customer: p.string(),
          customer_account: p.any(),
          subscription: p.string(),
          status: p.oneOf(STATUSES),
          collection_method: p.oneOf(['charge_automatically', 'send_invoice'] as const),
          due_date: p.any(),
        },
        ctx.params,
      );
      return listObjects(
        ctx,
        'invoice',
        '/v1/invoices',
        params,
        { customer: params.customer, status: params.status, collection_method: params.collection_method },
        { contains: params.subscription ? { parent: { subscription_details: { subscription: params.subscription } } } : undefined },
      );
    },
  },
  {
    method: 'GET',
    path: '/v1/invoice_payments/:id',
    async handler(ctx) {
      parseParams({}, ctx.params);
      return mustGet<Stripe.InvoicePayment & { created: number }>(ctx, 'invoice_payment', pathId(ctx), 'invoice_payment');
    },
  },
  {
    method: 'GET',
    path: '/v1/invoice_payments',
    async handler(ctx) {
      const params = parseParams(
        { ...LIST_PARAMS, invoice: p.string(), status: p.oneOf(['canceled', 'open', 'paid'] as const), payment: p.object({ type: p.oneOf(['payment_intent', 'payment_record'] as const).req(), payment_intent: p.string(), payment_record: p.string() }) },
        ctx.params,
      );
      return listObjects(
        ctx,
        'invoice_payment',
        '/v1/invoice_payments',
        params,
        { invoice: params.invoice, status: params.status },
        { contains: params.payment?.payment_intent ? { payment: { payment_intent: params.payment.payment_intent } } : undefined },
      );
    },
  },
  {
    method: 'GET',
    path: '/v1/invoiceitems/:id',
    async handler(ctx) {
      parseParams({}, ctx.params);
      return mustGet<Stripe.InvoiceItem & { created: number }>(ctx, 'invoiceitem', pathId(ctx), 'invoiceitem');
    },
  },
  {
    method: 'GET',
    path: '/v1/invoiceitems',
    async handler(ctx) {
      const params = parseParams({ ...LIST_PARAMS, customer: p.string(), invoice: p.string(), pending: p.bool() }, ctx.params);
      return listObjects(ctx, 'invoiceitem', '/v1/invoiceitems', params, { customer: params.customer, invoice: params.invoice }, { contains: params.pending ? { invoice: null } : undefined });
    },
  },
];
