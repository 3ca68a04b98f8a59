import type { PaypalTestSandbox } from './support';

/**
 * What the orders and payments tests share: making an order over REST, approving it the way a
 * person does (posting the approval page's form), and reading a link by its rel.
 */

export interface OrderReply {
  id: string;
  status: string;
  links: { href: string; rel: string; method: string }[];
  purchase_units?: {
    reference_id: string;
    payments?: {
      captures?: { id: string; status: string; amount: { value: string; currency_code: string } }[];
      authorizations?: { id: string; status: string }[];
      refunds?: { id: string; status: string }[];
    };
  }[];
  payer?: { email_address: string; payer_id: string };
}

export function linkOf(body: { links?: { href: string; rel: string }[] }, rel: string): string {
  const found = body.links?.find((candidate) => candidate.rel === rel);
  if (!found) throw new Error(`no ${rel} link in ${JSON.stringify(body.links)}`);
  return found.href;
}

export function orderBody(value: string, currency_code = 'USD', extra: Record<string, unknown> = {}) {
  return { intent: 'CAPTURE', purchase_units: [{ amount: { currency_code, value } }], ...extra };
}

export async function createOrder(t: PaypalTestSandbox, body: unknown = orderBody('19.99'), headers: Record<string, string> = {}) {
  const reply = await t.rest<OrderReply>('POST', '/v2/checkout/orders', body, headers);
  if (reply.status !== 201) throw new Error(`create: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** Posts the approval page's form as the buyer's browser does (no popup: the answer is a redirect, or the page). */
export async function decide(approveUrl: string, decision: 'approve' | 'cancel', buyer = 'buyer@example.com'): Promise<Response> {
  return fetch(approveUrl, { method: 'POST', body: new URLSearchParams({ decision, buyer }), redirect: 'manual' });
}

export async function approvedOrder(t: PaypalTestSandbox, options: { buyer?: string; body?: unknown } = {}): Promise<OrderReply> {
  const order = await createOrder(t, options.body ?? orderBody('19.99'));
  const page = await decide(linkOf(order, 'approve'), 'approve', options.buyer);
  if (page.status >= 400) throw new Error(`approve: ${page.status}`);
  return order;
}
