import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { isolatedSandbox, stripeError } from '@/test/sandbox';
import { APRIL_1, billingFixtures, DAY, periodOf } from './billing-fixtures';

const t = isolatedSandbox();
const f = billingFixtures(t);
const MAY_1 = Date.UTC(2026, 4, 1) / 1000;

/** A $10/month subscription on a clock, ten days into its 30-day April period. */
async function subscriptionTenDaysIn(options: { currency?: string; unitAmount?: number } = {}) {
  const clock = await f.clock();
  const price = await f.price(options.unitAmount ?? 1000, { currency: options.currency, name: 'Basic' });
  const { customer } = await f.customerWithCard('4242424242424242', { clock, email: 'upgrader@example.com' });
  const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
  await f.advance(clock, APRIL_1 + 10 * DAY);
  return { clock, customer, subscription, item: subscription.items.data[0] as Stripe.SubscriptionItem };
}

const amounts = (invoice: Stripe.Invoice) => invoice.lines.data.map((line) => [line.amount, line.description]);

/** The strings a PDF shows (`(…) Tj`), unescaped; octal escapes are WinAnsi, Latin-1 for these. */
function pdfStrings(pdf: string): string[] {
  return [...pdf.matchAll(/\(((?:\\.|[^\\)])*)\) Tj/g)].map(([, body = '']) =>
    body.replace(/\\([0-7]{3}|.)/g, (_, escaped: string) => (/^[0-7]{3}$/.test(escaped) ? String.fromCharCode(Number.parseInt(escaped, 8)) : escaped)),
  );
}

describe('plan changes', () => {
  it('an upgrade is invoiced exactly as create_preview showed it', async () => {
    const { subscription, item } = await subscriptionTenDaysIn();
    const team = await f.price(3000, { name: 'Team' });
    const prorationDate = APRIL_1 + 10 * DAY;
    const preview = await t.stripe.invoices.createPreview({
      subscription: subscription.id,
      subscription_details: { items: [{ id: item.id, price: team.id }], proration_behavior: 'always_invoice', proration_date: prorationDate },
    });
    // 20 of April's 30 days remain: 2/3 of $10 back, 2/3 of $30 due, each rounded to the cent.
    expect(amounts(preview)).toEqual([
      [-667, 'Unused time on Basic after 11 Apr 2026'],
      [2000, 'Remaining time on Team after 11 Apr 2026'],
    ]);
    expect(preview).toMatchObject({ total: 1333, amount_due: 1333, billing_reason: 'subscription_update', status: 'draft' });
    expect(preview.id).toMatch(/^upcoming_in_/);
    expect(preview.parent?.subscription_details?.subscription_proration_date).toBe(prorationDate);

    const upgraded = await t.stripe.subscriptions.update(subscription.id, {
      items: [{ id: item.id, price: team.id }],
      proration_behavior: 'always_invoice',
      proration_date: prorationDate,
      expand: ['latest_invoice'],
    });
    const invoice = upgraded.latest_invoice as Stripe.Invoice;
    expect(amounts(invoice)).toEqual(amounts(preview));
    expect(invoice).toMatchObject({ total: preview.total, amount_paid: 1333, status: 'paid', billing_reason: 'subscription_update' });
    expect(invoice.lines.data.every((line) => line.parent?.subscription_item_details?.proration)).toBe(true);
    expect(upgraded.items.data[0]).toMatchObject({ id: item.id, price: { id: team.id } });
    expect(periodOf(upgraded)).toEqual(periodOf(subscription));
    const update = (await f.eventsFor(subscription.id, 'customer.subscription.updated')).at(-1);
    expect((update?.data.previous_attributes as Partial<Stripe.Subscription>).items?.data[0]?.price.id).toBe(item.price.id);
  });

  it('create_prorations leaves the prorations for the next renewal, which the preview shows', async () => {
    const { clock, subscription, item } = await subscriptionTenDaysIn();
    const team = await f.price(3000, { name: 'Team' });
    const preview = await t.stripe.invoices.createPreview({
      subscription: subscription.id,
      subscription_details: { items: [{ id: item.id, price: team.id }], proration_behavior: 'create_prorations' },
    });
    expect(amounts(preview)).toEqual([
      [-667, 'Unused time on Basic after 11 Apr 2026'],
      [2000, 'Remaining time on Team after 11 Apr 2026'],
      [3000, '1 × Team (at $30.00 / month)'],
    ]);
    expect(preview).toMatchObject({ total: 4333, billing_reason: 'subscription_cycle' });

    await t.stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: team.id }] });
    expect(await f.invoicesOf(subscription)).toHaveLength(1);
    const pending = await t.stripe.invoiceItems.list({ customer: String(subscription.customer), pending: true });
    expect(pending.data.map((ii) => ii.amount).sort((a, b) => a - b)).toEqual([-667, 2000]);

    await f.advance(clock, MAY_1 + 2 * 3600);
    const renewal = (await f.invoicesOf(subscription))[1] as Stripe.Invoice;
    expect(amounts(renewal)).toEqual(amounts(preview));
    expect(renewal).toMatchObject({ total: 4333, amount_paid: 4333, status: 'paid' });
  });

  it('a downgrade with proration_behavior=none bills nothing now and the lower price at renewal', async () => {
    const { clock, subscription, item } = await subscriptionTenDaysIn({ unitAmount: 3000 });
    const basic = await f.price(1000, { name: 'Basic' });
    const downgraded = await t.stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: basic.id }], proration_behavior: 'none' });
    expect(downgraded.latest_invoice).toBe(subscription.latest_invoice);
    expect((await t.stripe.invoiceItems.list({ customer: String(subscription.customer), pending: true })).data).toHaveLength(0);
    await f.advance(clock, MAY_1 + 2 * 3600);
    const invoices = await f.invoicesOf(subscription);
    expect(invoices.map((invoice) => invoice.total)).toEqual([3000, 1000]);
  });

  it('switching to a yearly price restarts the cycle now, crediting the unused month', async () => {
    const { subscription, item } = await subscriptionTenDaysIn();
    const yearly = await f.price(10000, { interval: 'year', name: 'Basic yearly' });
    const switched = await t.stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: yearly.id }], expand: ['latest_invoice'] });
    expect(periodOf(switched)).toEqual({ start: APRIL_1 + 10 * DAY, end: Date.UTC(2027, 3, 11) / 1000 });
    expect(switched.billing_cycle_anchor).toBe(APRIL_1 + 10 * DAY);
    expect(amounts(switched.latest_invoice as Stripe.Invoice)).toEqual([
      [-667, 'Unused time on Basic after 11 Apr 2026'],
      [10000, '1 × Basic yearly (at $100.00 / year)'],
    ]);
  });

  it('billing_cycle_anchor=now restarts the period today, crediting the unused time', async () => {
    const { subscription } = await subscriptionTenDaysIn();
    const reset = await t.stripe.subscriptions.update(subscription.id, { billing_cycle_anchor: { type: 'now' }, expand: ['latest_invoice'] });
    expect(periodOf(reset)).toEqual({ start: APRIL_1 + 10 * DAY, end: Date.UTC(2026, 4, 11) / 1000 });
    expect(amounts(reset.latest_invoice as Stripe.Invoice)).toEqual([
      [-667, 'Unused time on Basic after 11 Apr 2026'],
      [1000, '1 × Basic (at $10.00 / month)'],
    ]);
    expect(reset.latest_invoice).toMatchObject({ status: 'paid', amount_paid: 333 });
  });

  it('prorates zero-decimal currencies in whole yen', async () => {
    const { subscription, item } = await subscriptionTenDaysIn({ currency: 'jpy', unitAmount: 1000 });
    const team = await f.price(2500, { currency: 'jpy', name: 'Team' });
    const preview = await t.stripe.invoices.createPreview({
      subscription: subscription.id,
      subscription_details: { items: [{ id: item.id, price: team.id }], proration_behavior: 'always_invoice' },
    });
    expect(amounts(preview)).toEqual([
      [-667, 'Unused time on Basic after 11 Apr 2026'],
      [1667, 'Remaining time on Team after 11 Apr 2026'],
    ]);
    expect(preview.currency).toBe('jpy');
    const usd = await f.price(500);
    const mixed = await stripeError(t.stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: usd.id }] }));
    expect(mixed).toMatchObject({ statusCode: 400, param: 'items[0][price]' });
  });

  it('previews a new subscription’s first invoice, and has no upcoming invoice for a canceling one', async () => {
    const price = await f.price(1200);
    const { customer } = await f.customerWithCard('4242424242424242');
    const first = await t.stripe.invoices.createPreview({ customer: customer.id, subscription_details: { items: [{ price: price.id, quantity: 3 }] } });
    expect(first).toMatchObject({ total: 3600, billing_reason: 'subscription_create' });
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], cancel_at_period_end: true });
    const none = await stripeError(t.stripe.invoices.createPreview({ subscription: subscription.id }));
    expect(none).toMatchObject({ statusCode: 400, code: 'invoice_upcoming_none' });
  });
});

describe('invoice documents', () => {
  it('serves a valid PDF with the number, the customer’s email, the lines and the total', async () => {
    const price = await f.price(4200, { name: 'Pro plan' });
    const { customer } = await f.customerWithCard('4242424242424242', { email: 'pdf-reader@example.com' });
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 2 }], expand: ['latest_invoice'] });
    const invoice = subscription.latest_invoice as Stripe.Invoice;
    const response = await fetch(String(invoice.invoice_pdf));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = bytes.toString('latin1');
    expect(text.startsWith('%PDF-1.4\n')).toBe(true);
    expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
    // The cross-reference table is where startxref says, and each object where the table says.
    const startxref = Number(/startxref\n(\d+)\n%%EOF/.exec(text)?.[1]);
    expect(text.slice(startxref, startxref + 4)).toBe('xref');
    const offsets = [...text.slice(startxref).matchAll(/^(\d{10}) 00000 n $/gm)].map((match) => Number(match[1]));
    offsets.forEach((offset, index) => expect(text.slice(offset).startsWith(`${index + 1} 0 obj`)).toBe(true));
    const shown = pdfStrings(text);
    expect(shown).toContain(String(invoice.number));
    expect(shown).toContain('pdf-reader@example.com');
    expect(shown).toContain('2 × Pro plan (at $42.00 / month)');
    expect(shown).toContain('$84.00 paid');
    expect(shown.filter((value) => value === '$84.00')).toHaveLength(4);

    const page = await fetch(String(invoice.hosted_invoice_url));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('$84.00 paid');
    expect(html).toContain('2 × Pro plan (at $42.00 / month)');
    expect(html).toContain(`href="${invoice.invoice_pdf}"`);
    expect(html).toContain(String(invoice.number));

    const guessed = await fetch(`${t.server.url}/invoices/${invoice.id}/wrongtoken/pdf`);
    expect(guessed.status).toBe(404);
  });

  it('numbers each customer’s invoices from its prefix: …-0001, …-0002', async () => {
    const price = await f.price(500);
    const { customer } = await f.customerWithCard('4242424242424242');
    const first = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], expand: ['latest_invoice'] });
    const second = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], expand: ['latest_invoice'] });
    expect((first.latest_invoice as Stripe.Invoice).number).toBe(`${customer.invoice_prefix}-0001`);
    expect((second.latest_invoice as Stripe.Invoice).number).toBe(`${customer.invoice_prefix}-0002`);
    expect(((await t.stripe.customers.retrieve(customer.id)) as Stripe.Customer).next_invoice_sequence).toBe(3);
  });
});

describe('invoice endpoints', () => {
  it('lists by customer, subscription and status, with each confirmation secret on request', async () => {
    const price = await f.price(500);
    const { customer } = await f.customerWithCard(null);
    const open = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], payment_behavior: 'default_incomplete' });
    const { customer: other } = await f.customerWithCard('4242424242424242');
    await t.stripe.subscriptions.create({ customer: other.id, items: [{ price: price.id }] });
    const forCustomer = await t.stripe.invoices.list({ customer: customer.id });
    expect(forCustomer.data.map((invoice) => invoice.id)).toEqual([open.latest_invoice]);
    expect((await t.stripe.invoices.list({ subscription: open.id })).data).toHaveLength(1);
    expect((await t.stripe.invoices.list({ customer: customer.id, status: 'paid' })).data).toHaveLength(0);
    const withSecret = await t.stripe.invoices.list({ customer: customer.id, expand: ['data.confirmation_secret'] });
    expect(withSecret.data[0]?.confirmation_secret?.client_secret).toMatch(/^pi_.*_secret_/);
    const lines = await t.stripe.invoices.listLineItems(String(open.latest_invoice));
    expect(lines.data[0]?.amount).toBe(500);
  });

  it('finalizing a renewal draft early numbers it now and charges it an hour later', async () => {
    const clock = await f.clock();
    const price = await f.price(1000);
    const { customer } = await f.customerWithCard('4242424242424242', { clock });
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    await f.advance(clock, MAY_1 + 60);
    const draft = (await f.invoicesOf(subscription))[1] as Stripe.Invoice;
    expect(draft.status).toBe('draft');
    const finalized = await t.stripe.invoices.finalizeInvoice(draft.id);
    expect(finalized).toMatchObject({ status: 'open', number: `${customer.invoice_prefix}-0002`, next_payment_attempt: MAY_1 + 60 + 3600 });
    expect(finalized.status_transitions.finalized_at).toBe(MAY_1 + 60);
    expect(await f.eventsFor(draft.id, 'invoice.finalized')).toHaveLength(1);
    const twice = await stripeError(t.stripe.invoices.finalizeInvoice(draft.id));
    expect(twice).toMatchObject({ statusCode: 400, code: 'invoice_not_editable' });
    await f.advance(clock, MAY_1 + 2 * 3600);
    expect(await t.stripe.invoices.retrieve(draft.id)).toMatchObject({ status: 'paid', status_transitions: { paid_at: MAY_1 + 60 + 3600 } });
  });

  it('voids an open invoice, canceling its PaymentIntent', async () => {
    const price = await f.price(500);
    const { customer } = await f.customerWithCard(null);
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], payment_behavior: 'default_incomplete', expand: ['latest_invoice.payments'] });
    const invoice = subscription.latest_invoice as Stripe.Invoice;
    const voided = await t.stripe.invoices.voidInvoice(invoice.id);
    expect(voided).toMatchObject({ status: 'void', amount_remaining: 0 });
    expect(voided.status_transitions.voided_at).toBeTypeOf('number');
    const intentId = String(invoice.payments?.data[0]?.payment.payment_intent);
    expect((await t.stripe.paymentIntents.retrieve(intentId)).status).toBe('canceled');
    expect(await f.eventsFor(invoice.id, 'invoice.voided')).toHaveLength(1);
    const again = await stripeError(t.stripe.invoices.voidInvoice(invoice.id));
    expect(again.statusCode).toBe(400);
    const paid = await stripeError(t.stripe.invoices.pay(invoice.id));
    expect(paid.statusCode).toBe(400);
  });

  it('marks an invoice uncollectible, which settles a past_due subscription', async () => {
    const clock = await f.clock();
    const price = await f.price(700);
    const { customer } = await f.customerWithCard('4000000000000341', { clock });
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 3 });
    await f.advance(clock, APRIL_1 + 3 * DAY + 2 * 3600);
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');
    const open = (await f.invoicesOf(subscription))[1] as Stripe.Invoice;
    const written = await t.stripe.invoices.markUncollectible(open.id);
    expect(written).toMatchObject({ status: 'uncollectible', next_payment_attempt: null });
    expect(await f.eventsFor(open.id, 'invoice.marked_uncollectible')).toHaveLength(1);
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
  });

  it('pays an invoice with a given card and updates metadata with invoice.updated', async () => {
    const price = await f.price(800);
    const { customer } = await f.customerWithCard(null);
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], payment_behavior: 'default_incomplete' });
    const invoiceId = String(subscription.latest_invoice);
    const tagged = await t.stripe.invoices.update(invoiceId, { metadata: { order: 'o_42' } });
    expect(tagged.metadata).toEqual({ order: 'o_42' });
    expect(await f.eventsFor(invoiceId, 'invoice.updated')).toHaveLength(1);
    const paid = await t.stripe.invoices.pay(invoiceId, { payment_method: 'pm_card_visa' });
    expect(paid.status).toBe('paid');
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
    const already = await t.stripe.invoices.pay(invoiceId);
    expect(already.status).toBe('paid');
  });
});
