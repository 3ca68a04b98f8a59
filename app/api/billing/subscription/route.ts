import { db } from '@/db/client';
import { userRoute } from '@/lib/auth/routes';
import { currentSubscription } from '@/lib/billing/subscriptions';

/**
 * GET: the caller's own subscription status, for the subscribe and pay pages to poll until the
 * provider's webhooks have made it active. Only ever the caller's: there is no id to guess.
 */
export const GET = userRoute(async (_request, user) => {
  const subscription = await currentSubscription(db, user.id);
  return Response.json({ status: subscription?.status ?? null }, { headers: { 'Cache-Control': 'no-store' } });
});
