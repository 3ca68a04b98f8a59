import { eq, inArray, sql } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import {
  accounts,
  auditLog,
  customers,
  emails,
  orders,
  rateLimits,
  refundRequests,
  sessions,
  subscriptions,
  users,
  verificationTokens,
  webhookEvents,
} from '@/db/schema';
import type { Actor } from '@/lib/auth/users';
import { UserFacingError } from '@/lib/errors';
import { ERASED, erasedEmail, isErasedEmail, PERSONAL_PAYLOAD_KEYS } from './inventory';
import { emailPattern, findPersonRecords, hasAnyRecord, type PersonRecords } from './person';

/**
 * `npm run admin -- erase <email>` (GDPR art. 17): in one transaction, the person's data is
 * pseudonymised or deleted as lib/privacy/inventory.ts lists, while the bookkeeping records
 * (orders, payments, refunds, disputes, invoices, subscriptions: amounts, currencies, dates,
 * provider ids) stay, as accounting law requires for its retention period. The account can no
 * longer sign in, and the erasure is audited without the address it erased.
 */

export type EraseResult =
  | {
      outcome: 'erased';
      /** What the person's rows carry instead of their address. */
      placeholder: string;
      userId: string | null;
      /** Where the provider still holds the person: the operator asks each to redact (SECURITY.md). */
      providerCustomers: { provider: string; providerCustomerId: string }[];
      counts: Record<string, number>;
    }
  | { outcome: 'already_erased'; userId: string };

const LIVE_SUBSCRIPTION = new Set(['incomplete', 'trialing', 'active', 'past_due', 'unpaid', 'paused']);
const OPEN_DISPUTE = new Set(['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review']);
const MONEY_IN_FLIGHT = new Set(['processing', 'requires_capture']);
const REFUND_IN_FLIGHT = new Set(['pending', 'requires_action']);

/** Why the person cannot be erased yet, each with what to do first; empty when they can. */
export function erasureBlockers(person: PersonRecords): string[] {
  const blockers: string[] = [];
  if (person.user && person.user.role !== 'customer') {
    blockers.push(`the account is ${person.user.role} staff: demote it first (npm run admin -- demote ${person.email})`);
  }
  for (const subscription of person.subscriptions.filter((row) => LIVE_SUBSCRIPTION.has(row.status))) {
    blockers.push(
      `subscription ${subscription.providerSubscriptionId} (${subscription.provider}) is ${subscription.status}: cancel it now in the admin console (Subscriptions) and let the provider's webhook end it`,
    );
  }
  for (const dispute of person.disputes.filter((row) => OPEN_DISPUTE.has(row.status))) {
    blockers.push(`dispute ${dispute.providerDisputeId} (${dispute.provider}) is open (${dispute.status}): answer or accept it and wait until it is decided`);
  }
  for (const payment of person.payments.filter((row) => MONEY_IN_FLIGHT.has(row.status))) {
    blockers.push(`payment ${payment.providerPaymentId} (${payment.provider}) is not settled (${payment.status}): wait until it succeeds or is canceled`);
  }
  const refundsInFlight = person.refunds.filter((row) => REFUND_IN_FLIGHT.has(row.status)).length;
  const awaitingApproval = person.refundRequests.filter((row) => row.status === 'awaiting_approval').length;
  if (refundsInFlight > 0) blockers.push(`${refundsInFlight} refund(s) are still pending at the provider: wait for their webhooks`);
  if (awaitingApproval > 0) blockers.push(`${awaitingApproval} refund request(s) await a second admin: approve, reject or withdraw them`);
  return blockers;
}

/**
 * A copy of a provider payload with the person taken out: every value under a personal key
 * (names, emails, phones, addresses, the payer) becomes `[erased]`, and the address anywhere
 * else becomes the placeholder. Ids, amounts, statuses and dates stay, so the event still tells
 * the payment's story.
 */
export function redactPayload(value: unknown, email: string, placeholder: string, inside = false): unknown {
  if (typeof value === 'string') {
    if (inside) return ERASED;
    return value.replace(new RegExp(emailPattern(email), 'gi'), placeholder);
  }
  if (Array.isArray(value)) return value.map((item) => redactPayload(item, email, placeholder, inside));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactPayload(item, email, placeholder, inside || PERSONAL_PAYLOAD_KEYS.has(key))]));
  }
  return value;
}

export async function erasePersonalData(db: Database, rawEmail: string, actor: Actor): Promise<EraseResult> {
  return db.transaction(async (tx) => {
    // Two erasures of one address (a double-run command) take turns; the second finds nothing to do.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('billfold:erase:' || ${rawEmail.trim().toLowerCase()}))`);
    const person = await findPersonRecords(tx, rawEmail, { lockUser: true });
    if (person.user?.erasedAt) return { outcome: 'already_erased', userId: person.user.id };
    if (!hasAnyRecord(person)) {
      const hint = isErasedEmail(person.email) ? '' : ' (if it was erased before, its rows now carry an erased-…@invalid address: see the audit log\'s person.erased entries)';
      throw new UserFacingError(`Billfold holds nothing for ${rawEmail.trim()}: no account, order, provider customer or email has that address${hint}.`, 'not_found');
    }
    const blockers = erasureBlockers(person);
    if (blockers.length > 0) throw new UserFacingError(`Cannot erase ${person.email} yet; nothing was changed. First:\n  - ${blockers.join('\n  - ')}`, 'erase_blocked');

    const placeholder = erasedEmail(crypto.randomUUID());
    const counts = await pseudonymise(tx, person, placeholder);
    const providerCustomers = person.customers.map((row) => ({ provider: row.provider, providerCustomerId: row.providerCustomerId }));
    await tx.insert(auditLog).values({
      actorKind: actor.kind,
      actorUserId: actor.kind === 'user' ? actor.userId : null,
      action: 'person.erased',
      // A guest has no account: the placeholder their rows now carry is what the entry is about.
      subjectType: person.user ? 'user' : 'erased_guest',
      subjectId: person.user?.id ?? placeholder,
      data: { placeholder, counts, providerCustomers, ...(actor.kind === 'system' ? { reason: actor.reason } : {}) },
    });
    return { outcome: 'erased', placeholder, userId: person.user?.id ?? null, providerCustomers, counts };
  });
}

async function pseudonymise(tx: Transaction, person: PersonRecords, placeholder: string): Promise<Record<string, number>> {
  const { user, email } = person;
  const idsOf = (rows: readonly { id: string }[]) => rows.map((row) => row.id);
  const counts: Record<string, number> = {};

  if (user) {
    await tx
      .update(users)
      .set({ email: placeholder, name: null, image: null, passwordHash: null, emailVerified: null, erasedAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(users.id, user.id));
    counts.sessions = (await tx.delete(sessions).where(eq(sessions.userId, user.id)).returning({ id: sessions.sessionToken })).length;
    counts.signInLinks = (await tx.delete(accounts).where(eq(accounts.userId, user.id)).returning({ id: accounts.providerAccountId })).length;
  }
  counts.verificationTokens = (
    await tx
      .delete(verificationTokens)
      .where(sql`lower(${verificationTokens.identifier}) = ${email}`)
      .returning({ id: verificationTokens.token })
  ).length;
  // The sign-in failure counter is keyed by the address (lib/auth/users.ts).
  await tx.delete(rateLimits).where(eq(rateLimits.key, `sign-in:account:${email}`));

  const customerIds = idsOf(person.customers);
  if (customerIds.length > 0) await tx.update(customers).set({ email: placeholder, updatedAt: sql`now()` }).where(inArray(customers.id, customerIds));
  counts.providerCustomers = customerIds.length;

  const orderIds = idsOf(person.orders);
  if (orderIds.length > 0) await tx.update(orders).set({ email: placeholder, updatedAt: sql`now()` }).where(inArray(orders.id, orderIds));
  counts.orders = orderIds.length;

  const subscriptionIds = idsOf(person.subscriptions);
  if (subscriptionIds.length > 0) await tx.update(subscriptions).set({ paymentMethodEmail: null, updatedAt: sql`now()` }).where(inArray(subscriptions.id, subscriptionIds));
  counts.subscriptions = subscriptionIds.length;

  const paymentIds = idsOf(person.payments);
  if (paymentIds.length > 0) await tx.update(refundRequests).set({ note: null, updatedAt: sql`now()` }).where(inArray(refundRequests.paymentId, paymentIds));
  counts.payments = paymentIds.length;

  const emailIds = idsOf(person.emails);
  if (emailIds.length > 0) {
    await tx
      .update(emails)
      .set({
        to: placeholder,
        text: ERASED,
        html: null,
        // An email still waiting would go to the placeholder: it is settled as not sent instead.
        status: sql`case when ${emails.status} = 'pending' then 'failed'::email_status else ${emails.status} end`,
        lastError: sql`case when ${emails.status} = 'pending' then 'Not sent: the recipient''s personal data was erased.' else null end`,
        updatedAt: sql`now()`,
      })
      .where(inArray(emails.id, emailIds));
  }
  counts.emails = emailIds.length;

  let redacted = 0;
  for (const event of person.providerEvents) {
    const payload = redactPayload(event.payload, email, placeholder);
    if (JSON.stringify(payload) === JSON.stringify(event.payload)) continue;
    await tx.update(webhookEvents).set({ payload, updatedAt: sql`now()` }).where(eq(webhookEvents.id, event.id));
    redacted += 1;
  }
  counts.providerEvents = redacted;
  return counts;
}
