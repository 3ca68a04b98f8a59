import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { disputes, orders, payments } from '@/db/schema';
import type { DisputeStatus } from '@/lib/payments/types';
import { isolatedDatabase, type TestDatabase } from '@/test/database';
import { disputeDetail, disputesAwaitingResponse, evidenceDeadline, listDisputes, parseDisputeQuery } from './disputes';

const HOUR = 60 * 60 * 1000;
const NOW = new Date('2026-12-04T12:00:00Z');

describe('the evidence deadline', () => {
  it('counts down in days and hours, amber within 48 hours, red once past', () => {
    const due = (ms: number) => evidenceDeadline({ status: 'needs_response', evidenceDueBy: new Date(NOW.getTime() + ms) }, NOW);
    expect(due(6 * 24 * HOUR + 5 * HOUR)).toEqual({ urgency: 'later', text: 'Due in 6 days 5 hours' });
    expect(due(48 * HOUR)).toEqual({ urgency: 'soon', text: 'Due in 2 days' });
    expect(due(HOUR + 60_000)).toEqual({ urgency: 'soon', text: 'Due in 1 hour' });
    expect(due(5 * 60_000)).toEqual({ urgency: 'soon', text: 'Due in 5 minutes' });
    expect(due(-3 * HOUR)).toEqual({ urgency: 'overdue', text: 'Overdue by 3 hours' });
  });

  it('has none once the dispute no longer waits for a response, or when the provider gave no date', () => {
    expect(evidenceDeadline({ status: 'under_review', evidenceDueBy: NOW }, NOW)).toBeNull();
    expect(evidenceDeadline({ status: 'won', evidenceDueBy: NOW }, NOW)).toBeNull();
    expect(evidenceDeadline({ status: 'warning_needs_response', evidenceDueBy: null }, NOW)).toBeNull();
  });
});

let sequence = 0;

async function addDispute(t: TestDatabase, fixture: { status: DisputeStatus; dueInHours?: number | null; createdAt?: string; email?: string }) {
  sequence += 1;
  const [order] = await t.db.insert(orders).values({ email: fixture.email ?? `buyer${sequence}@example.com`, currency: 'EUR', amountSubtotal: 900, amountTotal: 900 }).returning();
  const [payment] = await t.db
    .insert(payments)
    .values({ orderId: order!.id, provider: sequence % 2 ? 'stripe' : 'paypal', providerPaymentId: `pay_${sequence}`, status: 'succeeded', currency: 'EUR', amount: 900, amountCaptured: 900 })
    .returning();
  const [dispute] = await t.db
    .insert(disputes)
    .values({
      paymentId: payment!.id,
      provider: payment!.provider,
      providerDisputeId: `dp_${sequence}`,
      status: fixture.status,
      amount: 900,
      currency: 'EUR',
      reason: 'fraudulent',
      evidenceDueBy: fixture.dueInHours == null ? null : new Date(Date.now() + fixture.dueInHours * HOUR),
      ...(fixture.createdAt ? { createdAt: sql`${fixture.createdAt}::timestamptz` } : {}),
    })
    .returning();
  return dispute!;
}

describe('the disputes lists', () => {
  const t = isolatedDatabase();

  it('lists those waiting for a response soonest deadline first, those without a date last, and none already answered', async () => {
    const later = await addDispute(t, { status: 'needs_response', dueInHours: 100 });
    const overdue = await addDispute(t, { status: 'needs_response', dueInHours: -2 });
    const undated = await addDispute(t, { status: 'warning_needs_response', dueInHours: null });
    const soon = await addDispute(t, { status: 'warning_needs_response', dueInHours: 5 });
    await addDispute(t, { status: 'under_review', dueInHours: 1 });
    await addDispute(t, { status: 'lost', dueInHours: -10 });
    const waiting = await disputesAwaitingResponse(t.db);
    expect(waiting.map((row) => row.id)).toEqual([overdue.id, soon.id, later.id, undated.id]);
    expect(waiting[0]).toMatchObject({ amount: { amount: 900, currency: 'EUR' }, customerEmail: expect.stringContaining('@example.com') });
  });

  it('pages every dispute newest first exactly once (pairs sharing a timestamp too), and filters by status', async () => {
    const created = [];
    for (let day = 1; day <= 60; day += 1) created.push(await addDispute(t, { status: day % 3 ? 'won' : 'lost', createdAt: `2025-03-01T10:${String(Math.floor(day / 2)).padStart(2, '0')}:00.123456Z` }));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      pages += 1;
      const page = await listDisputes(t.db, parseDisputeQuery(cursor ? { status: 'won', limit: '7', cursor } : { status: 'won', limit: '7' }));
      seen.push(...page.rows.map((row) => row.id));
      expect(page.rows.every((row) => row.status === 'won')).toBe(true);
      cursor = page.nextCursor;
    } while (cursor);
    const won = created.filter((row) => row.status === 'won');
    expect(pages).toBe(Math.ceil(won.length / 7));
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(won.map((row) => row.id).sort());
  });

  it('refuses a damaged page link with a message, and reads no dispute for an id that is not one', async () => {
    expect(() => parseDisputeQuery({ cursor: 'not-a-cursor!' })).toThrow('This page link is damaged');
    expect(() => parseDisputeQuery({ status: 'maybe' })).toThrow();
    expect(await disputeDetail(t.db, 'nope')).toBeNull();
    expect(await disputeDetail(t.db, crypto.randomUUID())).toBeNull();
  });
});
