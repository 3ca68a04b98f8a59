import { describe, expect, it } from 'vitest';
import { duplicatePayments, orderStatusFrom, winningPayment } from './payment-events';

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
