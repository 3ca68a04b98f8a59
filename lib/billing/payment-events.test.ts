import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { payments } from '@/db/schema';
import { money } from '@/lib/money';
import type { ProviderPayment } from '@/lib/payments/types';
import { isolatedDatabase } from '@/test/database';
import { applyPayment, duplicatePayments, orderStatusFrom, winningPayment } from './payment-events';

type Attempt = Parameters<typeof orderStatusFrom>[1][number];

let ids = 0;

function attempt(status: Attempt['status'], minutesAgo: number, extra: Partial<Attempt> = {}): Attempt {
  return { id: `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`, status, amountCaptured: 0, amountRefunded: 0, failureCode: null, createdAt: new Date(Date.now() - minutesAgo * 60_000), ...extra };
}

describe("an order's status from its payments", () => {
  it('is canceled once its only intent is canceled (an abandoned checkout)', () => {
    expect(orderStatusFrom('open', [attempt('canceled', 5)])).toBe('canceled');
    expect(orderStatusFrom('payment_failed', [attempt('canceled', 5, { failureCode: 'card_declined' })])).toBe('canceled');
  });

  it('is canceled when every intent is canceled, whichever was canceled first', () => {
    expect(orderStatusFrom('open', [attempt('canceled', 60), attempt('canceled', 5)])).toBe('canceled');
    // The older intent's cancel applied first: the newer one still decides.
    expect(orderStatusFrom('open', [attempt('canceled', 60), attempt('requires_payment_method', 5)])).toBe('open');
  });

  it('is paid when a payment succeeds after the order was canceled: money received always wins', () => {
    const captured = { amountCaptured: 1800 };
    expect(orderStatusFrom('canceled', [attempt('canceled', 60), attempt('succeeded', 90, captured)])).toBe('paid');
    expect(orderStatusFrom('canceled', [attempt('succeeded', 5, captured), attempt('canceled', 1)])).toBe('paid');
  });

  it('stays canceled when nothing newer than the cancel is payable', () => {
    expect(orderStatusFrom('canceled', [attempt('canceled', 5)])).toBe('canceled');
  });
});

describe('an order paid by two payments', () => {
  const paid = { amountCaptured: 1800 };

  it('is decided by the payment recorded as having paid it, not by whichever succeeded payment comes first in the list', () => {
    const card = attempt('succeeded', 10, paid);
    const paypal = attempt('succeeded', 5, { ...paid, amountRefunded: 1800 });
    expect(orderStatusFrom('paid', [paypal, card], card.id)).toBe('paid');
    expect(orderStatusFrom('paid', [card, paypal], paypal.id)).toBe('refunded');
  });

  it('stays paid once the duplicate is refunded in full: its refund is not the order’s', () => {
    const winner = attempt('succeeded', 10, paid);
    const duplicate = attempt('succeeded', 5, { ...paid, amountRefunded: 1800 });
    expect(orderStatusFrom('paid', [duplicate, winner], winner.id)).toBe('paid');
    // Before any winner was recorded, the earliest success is taken as the winner.
    expect(orderStatusFrom('open', [duplicate, winner])).toBe('paid');
  });

  it('is partially refunded or refunded by the winner’s own refunds only', () => {
    const winner = attempt('succeeded', 10, { ...paid, amountRefunded: 500 });
    const duplicate = attempt('succeeded', 5, { ...paid, amountRefunded: 1800 });
    expect(orderStatusFrom('paid', [duplicate, winner], winner.id)).toBe('partially_refunded');
    expect(orderStatusFrom('paid', [duplicate, { ...winner, amountRefunded: 1800 }], winner.id)).toBe('refunded');
  });

  it('takes the earliest success as the winner when two succeed before either is recorded, and keeps a recorded winner whatever came before it', () => {
    const earlier = attempt('succeeded', 10, paid);
    const later = attempt('succeeded', 5, paid);
    expect(winningPayment(null, [later, earlier])).toBe(earlier);
    expect(winningPayment(later.id, [later, earlier])).toBe(later);
    const sameTime = { ...later, createdAt: earlier.createdAt };
    expect(winningPayment(null, [sameTime, earlier])).toBe([sameTime, earlier].sort((a, b) => (a.id < b.id ? -1 : 1))[0]);
  });

  it('counts as duplicates only the other payments still holding money', () => {
    const winner = attempt('succeeded', 10, paid);
    const holding = attempt('succeeded', 5, paid);
    const refunded = attempt('succeeded', 4, { ...paid, amountRefunded: 1800 });
    const partly = attempt('succeeded', 3, { ...paid, amountRefunded: 800 });
    const failed = attempt('requires_payment_method', 2, { failureCode: 'card_declined' });
    expect(duplicatePayments(winner, [winner, holding, refunded, partly, failed])).toEqual([holding, partly]);
    expect(duplicatePayments(undefined, [holding])).toEqual([]);
  });
});

describe('recording what a payment was paid with', () => {
  const t = isolatedDatabase();

  function reported(id: string, extra: Partial<ProviderPayment> = {}): ProviderPayment {
    return {
      provider: 'stripe',
      id,
      status: 'succeeded',
      orderId: null,
      amount: money(2500, 'USD'),
      amountCaptured: money(2500, 'USD'),
      amountRefunded: money(0, 'USD'),
      customerId: null,
      receiptEmail: null,
      failureCode: null,
      failureMessage: null,
      chargeId: null,
      card: null,
      handoff: null,
      ...extra,
    };
  }

  async function stored(id: string) {
    const [row] = await t.db.select().from(payments).where(eq(payments.providerPaymentId, id));
    return row!;
  }

  it('stores the charge id and the card the provider reports', async () => {
    await t.db.transaction((tx) => applyPayment(tx, reported('pi_card', { chargeId: 'ch_card', card: { brand: 'visa', last4: '4242' } })));
    expect(await stored('pi_card')).toMatchObject({ providerChargeId: 'ch_card', cardBrand: 'visa', cardLast4: '4242' });
  });

  it('keeps them when a later answer does not carry them (an intent read without its charge), writing nothing', async () => {
    await t.db.transaction((tx) => applyPayment(tx, reported('pi_kept', { chargeId: 'ch_kept', card: { brand: 'mastercard', last4: '4444' } })));
    const before = await stored('pi_kept');
    await t.db.transaction((tx) => applyPayment(tx, reported('pi_kept')));
    const after = await stored('pi_kept');
    expect(after).toMatchObject({ providerChargeId: 'ch_kept', cardBrand: 'mastercard', cardLast4: '4444' });
    // Nothing differed once the unsaid values are read as "unchanged": the row was not written.
    expect(after.updatedAt).toEqual(before.updatedAt);
  });

  it('takes a new charge and card when the buyer tried again with another card', async () => {
    await t.db.transaction((tx) =>
      applyPayment(tx, reported('pi_retried', { status: 'requires_payment_method', amountCaptured: money(0, 'USD'), failureCode: 'card_declined', chargeId: 'ch_declined', card: { brand: 'visa', last4: '0002' } })),
    );
    await t.db.transaction((tx) => applyPayment(tx, reported('pi_retried', { chargeId: 'ch_paid', card: { brand: 'amex', last4: '8431' } })));
    expect(await stored('pi_retried')).toMatchObject({ status: 'succeeded', providerChargeId: 'ch_paid', cardBrand: 'amex', cardLast4: '8431' });
  });

  it('refuses a last 4 that is not four digits, in the database itself', async () => {
    await expect(t.db.transaction((tx) => applyPayment(tx, reported('pi_bad_card', { card: { brand: 'visa', last4: '42a2' } })))).rejects.toThrow();
    expect(await t.db.select().from(payments).where(eq(payments.providerPaymentId, 'pi_bad_card'))).toEqual([]);
  });
});
