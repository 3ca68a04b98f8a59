import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { auditLog, paymentProvider, prices, products, subscriptions, subscriptionStatus, users } from '@/db/schema';
import { assertCan } from '@/lib/auth/roles';
import type { SessionUser } from '@/lib/auth/users';
import { UserFacingError } from '@/lib/errors';
import { money, type Money } from '@/lib/money';
import type { PaymentProviderName, SubscriptionStatus } from '@/lib/payments/types';
import { cancelSubscription } from '../plan-changes';
import { changeKey, depsFor, liveRowOf, priceChangesOf, record, withAccountLock } from '../subscription-account';
import { ENDED } from '../subscription-status';
import type { SubscriptionDependencies } from '../subscriptions';
import { beforeCursor, CursorParam, cursorText, encodeCursor, Limit, parseListQuery, type SearchParams } from './query';

/**
 * Every account's subscriptions for the console, newest first, paged by keyset on
 * (created_at desc, id desc); and an admin's cancellation of one, through the same billing
 * functions the subscriber portal uses, recorded in the audit log.
 */


export const SubscriptionQuery = z.object({
  status: z.enum(subscriptionStatus.enumValues).optional(),
  provider: z.enum(paymentProvider.enumValues).optional(),
  /** The subscriber's whole email, any case. */
  q: z.string().trim().max(320).optional(),
  cursor: CursorParam.optional(),
  limit: Limit,
});
export type SubscriptionQuery = z.output<typeof SubscriptionQuery>;

export function parseSubscriptionQuery(params: SearchParams): SubscriptionQuery {
  return parseListQuery(SubscriptionQuery, params);
}

export interface SubscriptionListRow {
  subscriptionId: string;
  userId: string;
  email: string;
  provider: PaymentProviderName;
  providerSubscriptionId: string;
  status: SubscriptionStatus;
  planName: string;
  price: Money;
  interval: string | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
  createdAt: Date;
}

export async function listSubscriptions(db: Database, query: SubscriptionQuery): Promise<{ rows: SubscriptionListRow[]; nextCursor: string | null }> {
  const rows = await db
    .select({
      subscriptionId: subscriptions.id,
      userId: subscriptions.userId,
      email: users.email,
      provider: subscriptions.provider,
      providerSubscriptionId: subscriptions.providerSubscriptionId,
      status: subscriptions.status,
      planName: products.name,
      priceAmount: prices.amount,
      priceCurrency: prices.currency,
      interval: prices.interval,
      currentPeriodEnd: subscriptions.currentPeriodEnd,
      cancelAtPeriodEnd: subscriptions.cancelAtPeriodEnd,
      cancelAt: subscriptions.cancelAt,
      createdAt: subscriptions.createdAt,
      cursorCreatedAt: cursorText(subscriptions.createdAt),
    })
    .from(subscriptions)
    .innerJoin(users, eq(users.id, subscriptions.userId))
    .innerJoin(prices, eq(prices.id, subscriptions.priceId))
    .innerJoin(products, eq(products.id, prices.productId))
    .where(
      and(
        query.status ? eq(subscriptions.status, query.status) : undefined,
        query.provider ? eq(subscriptions.provider, query.provider) : undefined,
        query.q ? sql`lower(${users.email}) = ${query.q.toLowerCase()}` : undefined,
        query.cursor ? beforeCursor(subscriptions.createdAt, subscriptions.id, query.cursor) : undefined,
      ),
    )
    .orderBy(desc(subscriptions.createdAt), desc(subscriptions.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    rows: page.map(({ cursorCreatedAt: _cursor, priceAmount, priceCurrency, ...row }) => ({ ...row, price: money(priceAmount, priceCurrency) })),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ at: last.cursorCreatedAt, id: last.subscriptionId }) : null,
  };
}

export type CancelTiming = 'now' | 'period_end';

const NOT_LIVE = new UserFacingError('This subscription has already ended, so there is nothing to cancel.', 'already_ended');

/**
 * An admin ends someone's subscription: at the end of the period paid for (the portal's own
 * cancellation, under the account's billing lock) or now (the provider ends it at once; any
 * plan change waiting for the period end is released first, as the portal does). The provider's
 * answer is recorded as a webhook would record it, and the audit log says who did it and what
 * the subscription was before and after.
 */
export async function cancelSubscriptionAsStaff(
  deps: SubscriptionDependencies,
  staff: SessionUser,
  subscriptionId: string,
  timing: CancelTiming,
): Promise<{ status: SubscriptionStatus; endsAt: Date | null }> {
  assertCan(staff, 'subscriptions.cancel');
  const [target] = await deps.db
    .select({ subscription: subscriptions, email: users.email })
    .from(subscriptions)
    .innerJoin(users, eq(users.id, subscriptions.userId))
    .where(eq(subscriptions.id, subscriptionId));
  if (!target) throw new UserFacingError('There is no such subscription.', 'not_found');
  const before = target.subscription;
  deps = depsFor(deps, before.provider);
  if (ENDED.includes(before.status)) throw NOT_LIVE;
  const subscriber = { userId: before.userId, email: target.email };
  const audit = (after: { status: SubscriptionStatus; cancelAtPeriodEnd: boolean; endedAt: Date | null; cancelAt: Date | null }) => ({
    actorKind: 'user' as const,
    actorUserId: staff.id,
    action: 'subscription.canceled',
    subjectType: 'subscription',
    subjectId: before.id,
    data: {
      timing,
      before: { status: before.status, cancelAtPeriodEnd: before.cancelAtPeriodEnd },
      after: { status: after.status, cancelAtPeriodEnd: after.cancelAtPeriodEnd, endedAt: after.endedAt?.toISOString() ?? null, cancelAt: after.cancelAt?.toISOString() ?? null },
    },
  });

  if (timing === 'period_end') {
    // The account has at most one live subscription: the portal's function finds this one.
    const live = await deps.db.transaction((tx) => liveRowOf(tx, before.userId));
    if (!live || live.id !== before.id) throw NOT_LIVE;
    const { endsAt } = await cancelSubscription(deps, subscriber).catch((error: unknown) => {
      // The portal's refusals speak to the subscriber; the admin reads them about someone else.
      if (error instanceof UserFacingError) throw new UserFacingError(error.message.replace(/^Your subscription/, 'This subscription'), error.code, error.field);
      throw error;
    });
    const [after] = await deps.db.select().from(subscriptions).where(eq(subscriptions.id, before.id));
    if (!after) throw new Error(`subscription ${before.id} vanished while being canceled`);
    await deps.db.insert(auditLog).values(audit(after));
    return { status: after.status, endsAt };
  }

  return withAccountLock(deps, subscriber, NOT_LIVE, async (tx) => {
    const live = await liveRowOf(tx, before.userId);
    if (!live || live.id !== before.id) throw NOT_LIVE;
    const current = await deps.subscriptions.retrieveSubscription(live.providerSubscriptionId);
    let row = await record(tx, deps, current);
    if (ENDED.includes(current.status)) throw NOT_LIVE;
    if (current.changeCarrierId) row = await record(tx, deps, await priceChangesOf(deps.subscriptions).cancelPendingChange(current, changeKey('admin-cancel-now', row, 'release')));
    const ended = await deps.subscriptions.cancelSubscriptionNow(current.id, changeKey('admin-cancel-now', row));
    row = await record(tx, deps, ended);
    await tx.insert(auditLog).values(audit(row));
    return { status: row.status, endsAt: row.endedAt };
  });
}
