import type Stripe from 'stripe';
import type { RequestContext } from '../context';
import { CommittedError, invalidRequest, StripeApiError } from '../errors';
import { emit, previousAttributes, type EventObject, type EventType } from '../events';
import { publicView } from '../expand';
import { newId, randomToken } from '../ids';
import type { SandboxInvoice } from '../resources/invoices';
import { confirmPaymentIntent, newPaymentIntent, type SandboxPaymentIntent } from '../resources/payment-intents';
import type { SandboxSubscription } from '../resources/subscriptions';
import { customerTime } from './clock';
import { toInvoiceLineItem, type BillableLine } from './lines';
import { billingSettings } from './settings';
import { onAutomaticCollectionFailed, onInvoiceResolved } from './subscription-cycle';

/**
 * The invoice state machine: draft → open (finalized: numbered, a PaymentIntent for the amount
 * due) → paid | void | uncollectible, and the collection attempts in between. Subscription
 * consequences (active, past_due, canceled…) are decided in subscription-cycle.ts.
 */

export interface DraftInvoice {
  customer: Stripe.Customer;
  subscription: SandboxSubscription | null;
  billingReason: Stripe.Invoice.BillingReason;
  lines: BillableLine[];
  currency: string;
  /** Stripe's invoice period: for renewals the period that just ended, otherwise the creation time. */
  period: { start: number; end: number };
  /** When the billing engine finalizes a renewal draft (an hour after creation, as at Stripe). */
  autoFinalizeAt?: number | null;
  prorationDate?: number;
}

/** Collection attempts the billing engine makes (renewals, Smart-Retries-like retries), by request. */
const automaticAttempts = new WeakMap<RequestContext, string>();

/** Emits an event for a stored object, without the sandbox's private fields, and what changed. */
export async function announce<T extends EventType>(ctx: RequestContext, type: T, object: EventObject<T>, before?: EventObject<T>) {
  await emit(ctx, type, publicView(object), before ? publicView(previousAttributes<EventObject<T>>(before, object)) : undefined);
}

export function subscriptionIdOf(invoice: Stripe.Invoice): string | null {
  const subscription = invoice.parent?.subscription_details?.subscription;
  if (!subscription) return null;
  return typeof subscription === 'string' ? subscription : subscription.id;
}

export function customerIdOf(object: { customer: string | { id: string } | null }): string {
  if (!object.customer) throw new Error('object without a customer');
  return typeof object.customer === 'string' ? object.customer : object.customer.id;
}

/** Amounts once the customer's balance (negative: credit) is applied, as finalization does. */
export function invoiceTotals(lines: { amount: number }[], balance: number) {
  const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
  const owed = subtotal + balance;
  return { subtotal, total: subtotal, amountDue: Math.max(0, owed), endingBalance: Math.min(0, owed) };
}

/** The invoice a draft describes, not stored (create_preview shows it as is). */
export function buildInvoice(draft: DraftInvoice, now: number, id = newId('in')): SandboxInvoice {
  const { customer, subscription } = draft;
  const lines = draft.lines.map((line) => toInvoiceLineItem(line, id, subscription?.id ?? null));
  const totals = invoiceTotals(lines, customer.balance);
  const sendInvoice = subscription?.collection_method === 'send_invoice';
  return {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Billfold Sandbox',
    account_tax_ids: null,
    amount_due: totals.amountDue,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: totals.amountDue,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: draft.autoFinalizeAt ?? null,
    billing_reason: draft.billingReason,
    collection_method: sendInvoice ? 'send_invoice' : 'charge_automatically',
    created: now,
    currency: draft.currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: customer.address ?? null,
    customer_email: customer.email,
    customer_name: customer.name ?? null,
    customer_phone: customer.phone ?? null,
    customer_shipping: null,
    customer_tax_exempt: customer.tax_exempt ?? 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: sendInvoice ? now + (subscription?.days_until_due ?? 30) * 86_400 : null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: subscription
      ? {
          type: 'subscription_details',
          quote_details: null,
          subscription_details: {
            metadata: { ...subscription.metadata },
            subscription: subscription.id,
            ...(draft.prorationDate !== undefined ? { subscription_proration_date: draft.prorationDate } : {}),
          },
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: draft.period.end,
    period_start: draft.period.start,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: customer.balance,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: totals.subtotal,
    subtotal_excluding_tax: totals.subtotal,
    test_clock: typeof customer.test_clock === 'string' ? customer.test_clock : null,
    total: totals.total,
    total_discount_amounts: [],
    total_excluding_tax: totals.total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
    _includable: { confirmation_secret: null, payments: { object: 'list', data: [], has_more: false, url: `/v1/invoice_payments?invoice=${id}` } },
    _sandbox: { token: randomToken(32), paymentIntent: null, automaticFailures: 0, firstAutomaticFailureAt: null },
  };
}

/** Stores a draft invoice (`invoice.created`), claiming the pending invoice items it bills. */
export async function createInvoice(ctx: RequestContext, draft: DraftInvoice, now: number): Promise<SandboxInvoice> {
  const invoice = buildInvoice(draft, now);
  await ctx.tx.insert(invoice);
  for (const line of draft.lines) {
    if (!line.invoiceItem) continue;
    const item = await ctx.tx.getForUpdate<Stripe.InvoiceItem & { created: number }>('invoiceitem', line.invoiceItem);
    if (item) await ctx.tx.save({ ...item, invoice: invoice.id });
  }
  await announce(ctx, 'invoice.created', invoice);
  return invoice;
}

/**
 * Finalizes a draft: the next number in the customer's sequence, the customer balance applied,
 * the hosted page and PDF, and (for an amount due) the PaymentIntent whose client secret is the
 * invoice's `confirmation_secret`. A zero amount due is paid on the spot.
 */
export async function finalizeInvoice(ctx: RequestContext, before: SandboxInvoice, now: number): Promise<SandboxInvoice> {
  if (before.status !== 'draft') throw invalidRequest(`This invoice is already finalized, you can't re-finalize a non-draft invoice.`, undefined, 'invoice_not_editable');
  const customerBefore = await ctx.tx.getForUpdate<Stripe.Customer>('customer', customerIdOf(before));
  if (!customerBefore) throw invalidRequest('The customer of this invoice no longer exists.');
  const totals = invoiceTotals(before.lines.data, customerBefore.balance);
  const sequence = customerBefore.next_invoice_sequence ?? 1;
  const customerAfter: Stripe.Customer = { ...customerBefore, next_invoice_sequence: sequence + 1, balance: totals.endingBalance };
  await ctx.tx.save(customerAfter);
  if (customerAfter.balance !== customerBefore.balance) await emit(ctx, 'customer.updated', customerAfter, { balance: customerBefore.balance });

  const base = `${ctx.baseUrl}/invoices/${before.id}/${before._sandbox.token}`;
  let after: SandboxInvoice = {
    ...before,
    number: `${customerBefore.invoice_prefix}-${String(sequence).padStart(4, '0')}`,
    status: 'open',
    starting_balance: customerBefore.balance,
    ending_balance: totals.endingBalance,
    amount_due: totals.amountDue,
    amount_remaining: totals.amountDue,
    automatically_finalizes_at: null,
    effective_at: now,
    status_transitions: { ...before.status_transitions, finalized_at: now },
    hosted_invoice_url: base,
    invoice_pdf: `${base}/pdf`,
  };
  if (totals.amountDue > 0) {
    const intent = newPaymentIntent({
      amount: totals.amountDue,
      currency: before.currency,
      customer: customerBefore.id,
      created: now,
      automatic_payment_methods: null,
      description: before.billing_reason === 'subscription_create' ? 'Subscription creation' : before.billing_reason === 'manual' ? null : 'Subscription update',
      // Stripe sets a subscription invoice's card up for the renewals that will follow.
      setup_future_usage: subscriptionIdOf(before) ? 'off_session' : null,
      _sandbox: { invoice: before.id },
    });
    await ctx.tx.insert(intent);
    await emit(ctx, 'payment_intent.created', publicView(intent));
    const payment: Stripe.InvoicePayment = {
      id: newId('inpay'),
      object: 'invoice_payment',
      amount_paid: null,
      amount_requested: totals.amountDue,
      created: now,
      currency: before.currency,
      invoice: before.id,
      is_default: true,
      livemode: false,
      payment: { type: 'payment_intent', payment_intent: intent.id },
      status: 'open',
      status_transitions: { canceled_at: null, paid_at: null },
    };
    await ctx.tx.insert(payment);
    after = {
      ...after,
      _includable: { confirmation_secret: { client_secret: intent.client_secret ?? '', type: 'payment_intent' }, payments: { ...after._includable.payments, data: [payment] } },
      _sandbox: { ...after._sandbox, paymentIntent: intent.id },
    };
  }
  await ctx.tx.save(after);
  await announce(ctx, 'invoice.finalized', after, before);
  if (totals.amountDue === 0) return markInvoicePaid(ctx, after, now, null);
  return after;
}

async function updatePayment(ctx: RequestContext, invoice: SandboxInvoice, change: (payment: Stripe.InvoicePayment) => Stripe.InvoicePayment): Promise<{ invoice: SandboxInvoice; payment: Stripe.InvoicePayment | null }> {
  const current = invoice._includable.payments.data[0];
  if (!current) return { invoice, payment: null };
  const payment = change(current);
  await ctx.tx.save(payment);
  return { invoice: { ...invoice, _includable: { ...invoice._includable, payments: { ...invoice._includable.payments, data: [payment] } } }, payment };
}

export async function markInvoicePaid(ctx: RequestContext, before: SandboxInvoice, now: number, intent: SandboxPaymentIntent | null): Promise<SandboxInvoice> {
  let after: SandboxInvoice = {
    ...before,
    status: 'paid',
    amount_paid: before.amount_due,
    amount_remaining: 0,
    attempted: true,
    attempt_count: before.attempt_count + (intent ? 1 : 0),
    next_payment_attempt: null,
    status_transitions: { ...before.status_transitions, paid_at: now },
  };
  let payment: Stripe.InvoicePayment | null = null;
  if (intent) {
    ({ invoice: after, payment } = await updatePayment(ctx, after, (current) => ({
      ...current,
      status: 'paid',
      amount_paid: intent.amount_received,
      status_transitions: { ...current.status_transitions, paid_at: now },
    })));
  }
  await ctx.tx.save(after);
  if (payment) await emit(ctx, 'invoice_payment.paid', payment);
  await announce(ctx, 'invoice.paid', after, before);
  await announce(ctx, 'invoice.payment_succeeded', after);
  await onInvoiceResolved(ctx, after, 'paid', intent);
  return after;
}

/**
 * A failed attempt. An automatic one (a renewal or a retry) schedules the next retry from the
 * account's settings, or, after the last, hands the subscription its final-failure fate.
 */
async function recordFailedAttempt(ctx: RequestContext, before: SandboxInvoice, now: number, automatic: boolean): Promise<SandboxInvoice> {
  let after: SandboxInvoice = { ...before, attempted: true, attempt_count: before.attempt_count + 1 };
  let final = false;
  if (automatic) {
    const settings = await billingSettings(ctx.tx);
    const failures = before._sandbox.automaticFailures + 1;
    const first = before._sandbox.firstAutomaticFailureAt ?? now;
    const days = settings.retryDays[failures - 1];
    final = days === undefined;
    after = {
      ...after,
      next_payment_attempt: days === undefined ? null : first + days * 86_400,
      _sandbox: { ...after._sandbox, automaticFailures: failures, firstAutomaticFailureAt: first },
    };
  }
  await ctx.tx.save(after);
  await announce(ctx, 'invoice.payment_failed', after, before);
  if (automatic) await onAutomaticCollectionFailed(ctx, after, final);
  return after;
}

/**
 * The hook `runPayment` (and the 3-D Secure page) calls after an intent's attempt: when the
 * intent pays an invoice, the invoice and its subscription follow in the same transaction,
 * whoever confirmed it (Stripe.js, the server, the billing engine).
 */
export async function settleInvoicePayment(ctx: RequestContext, intent: SandboxPaymentIntent, outcome: 'succeeded' | 'failed' | 'requires_action'): Promise<void> {
  const invoiceId = intent._sandbox?.invoice;
  if (!invoiceId) return;
  const invoice = await ctx.tx.getForUpdate<SandboxInvoice>('invoice', invoiceId);
  if (!invoice || invoice.status !== 'open') return;
  const now = await customerTime(ctx.tx, customerIdOf(invoice));
  const automatic = automaticAttempts.get(ctx) === invoiceId;
  if (outcome === 'succeeded') {
    await markInvoicePaid(ctx, invoice, now, intent);
  } else if (outcome === 'failed') {
    await recordFailedAttempt(ctx, invoice, now, automatic);
  } else {
    const after: SandboxInvoice = { ...invoice, attempted: true };
    await ctx.tx.save(after);
    await announce(ctx, 'invoice.payment_action_required', after, invoice);
    // The billing engine's own attempt (a renewal, a retry) has failed: nobody is there to
    // authenticate, so it counts, with invoice.payment_failed, past_due and the next retry; the
    // customer can still authenticate the PaymentIntent later. An on-session attempt is counted
    // when the authentication it waits for ends, in success or failure.
    if (automatic) await recordFailedAttempt(ctx, after, now, true);
  }
}

export interface CollectionResult {
  invoice: SandboxInvoice;
  intent: SandboxPaymentIntent | null;
  /** The card error of a declined attempt (its effects are committed). */
  error: CommittedError | null;
}

async function defaultPaymentMethod(ctx: RequestContext, invoice: SandboxInvoice): Promise<string | null> {
  const idOf = (value: string | { id: string } | null | undefined) => (typeof value === 'string' ? value : (value?.id ?? null));
  const own = idOf(invoice.default_payment_method);
  if (own) return own;
  const subscriptionId = subscriptionIdOf(invoice);
  const subscription = subscriptionId ? await ctx.tx.get<SandboxSubscription>('subscription', subscriptionId) : null;
  const fromSubscription = idOf(subscription?.default_payment_method);
  if (fromSubscription) return fromSubscription;
  const customer = await ctx.tx.get<Stripe.Customer>('customer', customerIdOf(invoice));
  return idOf(customer?.invoice_settings.default_payment_method);
}

const NO_PAYMENT_METHOD =
  'This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.';

/**
 * Charges an open invoice through its PaymentIntent: with the given payment method, else the
 * subscription's default, else the customer's. `automatic` marks the billing engine's own
 * attempts, which fail softly (a refused payment method is a failed attempt, not an error)
 * and drive the retry schedule.
 */
export async function collectInvoice(
  ctx: RequestContext,
  invoiceId: string,
  options: { paymentMethod?: string; offSession: boolean; automatic: boolean },
): Promise<CollectionResult> {
  const invoice = await ctx.tx.getForUpdate<SandboxInvoice>('invoice', invoiceId);
  if (!invoice) throw invalidRequest(`No such invoice: '${invoiceId}'`);
  if (invoice.status === 'paid') throw invalidRequest('Invoice is already paid');
  if (invoice.status !== 'open') throw invalidRequest(`You cannot pay this invoice because it has a status of ${invoice.status}.`);
  const now = await customerTime(ctx.tx, customerIdOf(invoice));
  const reread = async () => (await ctx.tx.get<SandboxInvoice>('invoice', invoiceId)) as SandboxInvoice;
  if (invoice.amount_remaining === 0 || !invoice._sandbox.paymentIntent) {
    return { invoice: await markInvoicePaid(ctx, invoice, now, null), intent: null, error: null };
  }
  const paymentMethod = options.paymentMethod ?? (await defaultPaymentMethod(ctx, invoice));
  if (!paymentMethod) {
    const error = invalidRequest(NO_PAYMENT_METHOD, undefined, 'resource_missing');
    if (!options.automatic) throw error;
    return { invoice: await recordFailedAttempt(ctx, invoice, now, true), intent: null, error: new CommittedError(error) };
  }
  const intent = await ctx.tx.getForUpdate<SandboxPaymentIntent>('payment_intent', invoice._sandbox.paymentIntent);
  if (!intent) throw new Error(`invoice ${invoiceId} lost its payment intent`);
  if (options.automatic) automaticAttempts.set(ctx, invoiceId);
  try {
    const result = await confirmPaymentIntent(ctx, intent, paymentMethod, options.offSession);
    if (result instanceof CommittedError) return { invoice: await reread(), intent: null, error: result };
    return { invoice: await reread(), intent: result, error: null };
  } catch (error) {
    // A payment method the intent cannot use (detached, another customer's) fails the
    // engine's attempt like a decline would, rather than the whole clock advance.
    if (!options.automatic || !(error instanceof StripeApiError)) throw error;
    return { invoice: await recordFailedAttempt(ctx, invoice, now, true), intent: null, error: new CommittedError(error) };
  } finally {
    automaticAttempts.delete(ctx);
  }
}

async function cancelInvoiceIntent(ctx: RequestContext, invoice: SandboxInvoice, now: number): Promise<SandboxInvoice> {
  if (!invoice._sandbox.paymentIntent) return invoice;
  const before = await ctx.tx.getForUpdate<SandboxPaymentIntent>('payment_intent', invoice._sandbox.paymentIntent);
  if (before && ['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(before.status)) {
    const after: SandboxPaymentIntent = { ...before, status: 'canceled', canceled_at: now, cancellation_reason: 'void_invoice', next_action: null };
    await ctx.tx.save(after);
    await emit(ctx, 'payment_intent.canceled', publicView(after), publicView(previousAttributes(before, after)));
  }
  const { invoice: updated } = await updatePayment(ctx, invoice, (current) => ({
    ...current,
    status: 'canceled',
    status_transitions: { ...current.status_transitions, canceled_at: now },
  }));
  return updated;
}

export async function voidInvoice(ctx: RequestContext, before: SandboxInvoice, now: number): Promise<SandboxInvoice> {
  if (before.status !== 'open' && before.status !== 'uncollectible') {
    throw invalidRequest(`You can only void an open or uncollectible invoice; this one is ${before.status}.`, undefined, 'invoice_not_editable');
  }
  let after: SandboxInvoice = {
    ...before,
    status: 'void',
    amount_remaining: 0,
    next_payment_attempt: null,
    auto_advance: false,
    status_transitions: { ...before.status_transitions, voided_at: now },
  };
  after = await cancelInvoiceIntent(ctx, after, now);
  await ctx.tx.save(after);
  await announce(ctx, 'invoice.voided', after, before);
  await onInvoiceResolved(ctx, after, 'void', null);
  return after;
}

export async function markInvoiceUncollectible(ctx: RequestContext, before: SandboxInvoice, now: number): Promise<SandboxInvoice> {
  if (before.status !== 'open') throw invalidRequest(`You can only mark an open invoice uncollectible; this one is ${before.status}.`, undefined, 'invoice_not_editable');
  const after: SandboxInvoice = {
    ...before,
    status: 'uncollectible',
    next_payment_attempt: null,
    auto_advance: false,
    status_transitions: { ...before.status_transitions, marked_uncollectible_at: now },
  };
  await ctx.tx.save(after);
  await announce(ctx, 'invoice.marked_uncollectible', after, before);
  await onInvoiceResolved(ctx, after, 'uncollectible', null);
  return after;
}

/** Stops the engine's attempts on an invoice (its subscription ended); it stays payable by hand. */
export async function stopAutomaticCollection(ctx: RequestContext, before: SandboxInvoice): Promise<SandboxInvoice> {
  if (before.next_payment_attempt === null && before.auto_advance === false) return before;
  const after: SandboxInvoice = { ...before, next_payment_attempt: null, auto_advance: false, automatically_finalizes_at: null };
  await ctx.tx.save(after);
  await announce(ctx, 'invoice.updated', after, before);
  return after;
}

/** A subscription's invoices in a status, oldest first. */
export async function invoicesOfSubscription(ctx: RequestContext, subscriptionId: string, statuses: Stripe.Invoice.Status[]): Promise<SandboxInvoice[]> {
  const sql = ctx.tx.sql;
  const rows = await sql<{ data: SandboxInvoice }[]>`
    select data from sandbox.objects
    where type = 'invoice' and data->>'status' in ${sql(statuses)}
      and data @> ${sql.json({ parent: { subscription_details: { subscription: subscriptionId } } })}
    order by seq asc`;
  return rows.map((row) => row.data);
}
