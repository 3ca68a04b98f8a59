import { db } from '@/db/client';
import { getCurrentUser } from '@/lib/auth/guards';
import { progressFromStatus } from '@/lib/billing/checkout';
import { orderIdFromToken } from '@/lib/billing/checkout-context';
import { findOrderForViewer } from '@/lib/billing/orders';

/**
 * GET ?order=<signed token>: how the order stands, for the confirmation page to poll until the
 * payment webhook has marked it paid. The same ownership rule as the page; others get a 404.
 */
export async function GET(request: Request): Promise<Response> {
  const orderId = orderIdFromToken(new URL(request.url).searchParams.get('order'));
  const user = await getCurrentUser();
  const order = orderId ? await findOrderForViewer(db, orderId, user?.id ?? null) : null;
  const headers = { 'Cache-Control': 'no-store' };
  if (!order) return Response.json({ error: { code: 'not_found', message: 'No such order.' } }, { status: 404, headers });
  // Polled only while the customer's payment is with the provider: until a webhook settles the
  // order, that is what it still is.
  return Response.json({ progress: progressFromStatus(order.status) ?? 'confirming' }, { headers });
}
