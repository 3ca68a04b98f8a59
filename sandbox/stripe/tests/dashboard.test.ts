import { describe, expect, it } from 'vitest';
import { isolatedSandbox } from '@/test/sandbox';

const t = isolatedSandbox();

async function post(path: string, fields: Record<string, string>) {
  const response = await fetch(`${t.server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  return decodeURIComponent(new URL(String(response.headers.get('location')), t.server.url).searchParams.get('notice') ?? '');
}

describe('sandbox dashboard', () => {
  it('lists customers, payments and events as they happen', async () => {
    const customer = await t.stripe.customers.create({ email: 'dash<script>@example.com' });
    const intent = await t.stripe.paymentIntents.create({ amount: 1999, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true });
    const html = await (await fetch(`${t.server.url}/`)).text();
    expect(html).toContain(customer.id);
    expect(html).toContain(intent.id);
    expect(html).toContain('19.99 USD');
    expect(html).toContain('payment_intent.succeeded');
    expect(html).not.toContain('dash<script>'); // escaped
  });

  it('opens a dispute on a charge and settles it, with the events Stripe would send', async () => {
    const intent = await t.stripe.paymentIntents.create({ amount: 5000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    expect(await post('/_sandbox/dashboard/dispute', { charge: String(intent.latest_charge) })).toMatch(/^Opened dispute du_/);
    const [dispute] = (await t.stripe.disputes.list({ payment_intent: intent.id })).data;
    expect(dispute).toMatchObject({ status: 'needs_response', amount: 5000 });
    expect(await post('/_sandbox/dashboard/dispute', { charge: String(intent.latest_charge) })).toBe('That charge cannot be disputed.');
    expect(await post('/_sandbox/dashboard/settle-dispute', { dispute: dispute!.id, outcome: 'won' })).toContain('is won');
    const closed = await t.stripe.events.list({ type: 'charge.dispute.closed', limit: 1 });
    expect(closed.data[0]?.data.object).toMatchObject({ id: dispute!.id, status: 'won' });
  });
});
