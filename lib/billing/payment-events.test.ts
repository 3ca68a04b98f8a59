import { describe, expect, it } from 'vitest';
import { orderStatusFrom } from './payment-events';

type Attempt = Parameters<typeof orderStatusFrom>[1][number];

function attempt(status: Attempt['status'], minutesAgo: number, extra: Partial<Attempt> = {}): Attempt {
  return { status, amountCaptured: 0, amountRefunded: 0, failureCode: null, createdAt: new Date(Date.now() - minutesAgo * 60_000), ...extra };
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
