import { describe, expect, it, vi } from 'vitest';
import { money } from '@/lib/money';
import type { PaymentProvider, PaymentsApi, SubscriptionCardsApi, SubscriptionsApi } from '@/lib/payments/provider';
import type { ProviderCard, ProviderCardUpdate, ProviderInvoice, ProviderPayment, ProviderSubscription } from '@/lib/payments/types';
import { webhookEffect } from './webhook-actions';

// Methods (and groups of them) a provider may leave out: absent unless a test gives them, as for such a provider.
const OPTIONAL_METHODS = new Set<string | symbol>(['retrievePaymentWithRefunds', 'invoicesOf', 'cards', 'priceChanges']);

/** An API object with only the methods a test gives it; calling any other fails the test. */
function only<T extends object>(methods: Partial<T>): T {
  return new Proxy(methods, {
    get(target, property) {
      if (property in target) return target[property as keyof T];
      if (OPTIONAL_METHODS.has(property)) return undefined;
      return () => Promise.reject(new Error(`${String(property)} was not expected to be called`));
    },
  }) as T;
}

function provider(payments: Partial<PaymentsApi>, subscriptions: Partial<SubscriptionsApi> | null = {}): PaymentProvider {
  return {
    name: 'stripe',
    takesCards: true,
    capturesApprovedPayments: false,
    payments: only(payments),
    subscriptions: subscriptions && only(subscriptions),
    webhooks: { verify: () => Promise.resolve(null), classify: () => null },
  };
}

const usd = (amount: number) => money(amount, 'USD');

function payment(refunded: number): ProviderPayment {
  return {
    provider: 'stripe',
    id: 'pi_1',
    status: 'succeeded',
    orderId: null,
    amount: usd(1000),
    amountCaptured: usd(1000),
    amountRefunded: usd(refunded),
    customerId: null,
    receiptEmail: null,
    failureCode: null,
    failureMessage: null,
    chargeId: null,
    card: null,
    handoff: null,
  };
}

function card(id: string, createdAt: string): ProviderCard {
  return { id, brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030, created: new Date(createdAt) };
}

function subscription(status: ProviderSubscription['status']): ProviderSubscription {
  return {
    provider: 'stripe',
    id: 'sub_1',
    customerId: 'cus_1',
    status,
    itemId: 'si_1',
    price: { id: 'price_1', lookupKey: 'pro-monthly-usd' },
    quantity: 1,
    created: new Date('2026-04-01T00:00:00Z'),
    currentPeriodStart: null,
    currentPeriodEnd: null,
    cancelAtPeriodEnd: false,
    cancelAt: null,
    canceledAt: null,
    endedAt: null,
    trialStart: null,
    trialEnd: null,
    paymentMethod: null,
    wallet: null,
    latestInvoiceId: null,
    pendingCardUpdateId: null,
    changeCarrierId: null,
    pendingChange: null,
  };
}

function paidInvoice(paidWith: ProviderCard, savesCard: boolean): ProviderInvoice {
  return {
    provider: 'stripe',
    id: 'in_1',
    customerId: 'cus_1',
    subscriptionId: 'sub_1',
    number: null,
    status: 'paid',
    amountDue: usd(1000),
    amountPaid: usd(1000),
    amountRemaining: usd(0),
    amountRefunded: usd(0),
    created: new Date('2026-05-01T00:00:00Z'),
    dueDate: null,
    paidAt: null,
    periodStart: null,
    periodEnd: null,
    hostedInvoiceUrl: null,
    invoicePdf: null,
    billingReason: 'subscription_cycle',
    attemptCount: 1,
    nextPaymentAttempt: null,
    payment: { id: 'pi_2', status: 'succeeded', savesCard, card: paidWith, failureMessage: null },
  };
}

describe('what lib/billing does about a classified webhook', () => {
  it('re-reads a refund’s payment with the payment’s own events, and a dispute on its own, both under the payment’s lock', () => {
    const stripe = provider({});
    const refund = webhookEffect(stripe, { kind: 'refund', paymentId: 'pi_1', refundId: 're_1' });
    const paid = webhookEffect(stripe, { kind: 'payment', paymentId: 'pi_1' });
    const dispute = webhookEffect(stripe, { kind: 'dispute', paymentId: 'pi_1', disputeId: 'du_1' });
    expect([refund.target, paid.target, dispute.target]).toEqual(['payment:pi_1', 'payment:pi_1', 'dispute:du_1']);
    for (const effect of [refund, paid, dispute]) expect(effect.key).toEqual({ provider: 'stripe', providerPaymentId: 'pi_1' });
  });

  it('asks for a payment’s refunds only once money went back', async () => {
    const refundsOf = vi.fn(() => Promise.resolve([]));
    for (const refunded of [0, 250]) {
      const effect = webhookEffect(provider({ retrievePayment: () => Promise.resolve(payment(refunded)), refundsOf }), { kind: 'payment', paymentId: 'pi_1' });
      await effect.refetch();
    }
    expect(refundsOf).toHaveBeenCalledTimes(1);
  });

  it('reads a payment and its refunds once when the provider holds them together, still applying refunds only once money went back', async () => {
    const refund = { provider: 'stripe' as const, id: 're_1', paymentId: 'pi_1', status: 'failed' as const, amount: usd(250), reason: null };
    const retrievePaymentWithRefunds = vi.fn((_id: string) => Promise.resolve({ payment: payment(0), refunds: [refund] }));
    const changes = [];
    for (const refunded of [0, 250]) {
      retrievePaymentWithRefunds.mockResolvedValueOnce({ payment: payment(refunded), refunds: [refund] });
      // retrievePayment and refundsOf are not given: calling either fails the test.
      changes.push(await webhookEffect(provider({ retrievePaymentWithRefunds }), { kind: 'payment', paymentId: 'pi_1' }).refetch());
    }
    expect(retrievePaymentWithRefunds).toHaveBeenCalledTimes(2);
    expect(changes).toEqual([
      { kind: 'payment', payment: payment(0), refunds: [] },
      { kind: 'payment', payment: payment(250), refunds: [refund] },
    ]);
  });

  it('serialises subscription events on the customer, and gives a trial’s notice a read of its own', () => {
    const stripe = provider({});
    const trialEnd = new Date('2026-04-15T00:00:00Z');
    const effects = [
      webhookEffect(stripe, { kind: 'subscription', customerId: 'cus_1', subscriptionId: 'sub_1' }),
      webhookEffect(stripe, { kind: 'trial_ending', customerId: 'cus_1', subscriptionId: 'sub_1', trialEnd }),
      webhookEffect(stripe, { kind: 'invoice', customerId: 'cus_1', invoiceId: 'in_1' }),
      webhookEffect(stripe, { kind: 'card_saved', customerId: 'cus_1', subscriptionId: 'sub_1', cardUpdateId: 'seti_1' }),
    ];
    expect(effects.map((effect) => effect.target)).toEqual(['subscription:sub_1', `trial-notice:sub_1:${trialEnd.toISOString()}`, 'invoice:in_1', 'setup:seti_1']);
    for (const effect of effects) expect(effect.key).toEqual({ provider: 'stripe', providerCustomerId: 'cus_1' });
  });

  it('refuses a subscription event from a provider that bills no subscriptions', () => {
    const paymentsOnly = provider({}, null);
    expect(() => webhookEffect(paymentsOnly, { kind: 'invoice', customerId: 'cus_1', invoiceId: 'in_1' })).toThrow(/stripe does not bill subscriptions, yet classified an event as invoice/);
    expect(() => webhookEffect(paymentsOnly, { kind: 'card_saved', customerId: 'cus_1', subscriptionId: 'sub_1', cardUpdateId: 'seti_1' })).toThrow(/does not bill subscriptions/);
  });

  it('makes the card that paid an invoice the default when it was saved to pay it and is newer, once per invoice and card', async () => {
    const newer = card('pm_new', '2026-05-01T00:00:00Z');
    const makeDefaultCard = vi.fn(() => Promise.resolve());
    const billing = {
      retrieveInvoice: () => Promise.resolve(paidInvoice(newer, true)),
      retrieveSubscription: () => Promise.resolve(subscription('canceled')),
      cards: only<SubscriptionCardsApi>({ retrieveDefaultCard: () => Promise.resolve(card('pm_old', '2026-04-01T00:00:00Z')), makeDefaultCard }),
    };
    const change = await webhookEffect(provider({}, billing), { kind: 'invoice', customerId: 'cus_1', invoiceId: 'in_1' }).refetch();
    // The subscription has ended and cannot change; the customer's default still does.
    expect(makeDefaultCard).toHaveBeenCalledWith({ customerId: 'cus_1', subscriptionId: null, cardId: 'pm_new' }, 'default-card:in_1:pm_new');
    expect(change).toMatchObject({ kind: 'subscription', subscription: { id: 'sub_1' }, invoices: [{ id: 'in_1' }] });

    // A card used once, not saved to pay this invoice, stays what it was.
    makeDefaultCard.mockClear();
    await webhookEffect(provider({}, { ...billing, retrieveInvoice: () => Promise.resolve(paidInvoice(newer, false)) }), { kind: 'invoice', customerId: 'cus_1', invoiceId: 'in_1' }).refetch();
    expect(makeDefaultCard).not.toHaveBeenCalled();
  });

  it('makes a card saved from the portal the default only once its card update succeeded', async () => {
    const update = (status: ProviderCardUpdate['status']): ProviderCardUpdate => ({
      id: 'seti_1',
      customerId: 'cus_1',
      status,
      cardId: status === 'succeeded' ? 'pm_new' : null,
      handoff: { kind: 'client_secret', clientSecret: 'seti_1_secret_x' },
      purpose: 'card_update',
    });
    const makeDefaultCard = vi.fn(() => Promise.resolve());
    for (const status of ['processing', 'succeeded'] as const) {
      const billing = {
        retrieveSubscription: () => Promise.resolve(subscription('active')),
        cards: only<SubscriptionCardsApi>({
          retrieveCardUpdate: () => Promise.resolve(update(status)),
          retrieveCard: () => Promise.resolve(card('pm_new', '2026-05-01T00:00:00Z')),
          retrieveDefaultCard: () => Promise.resolve(null),
          makeDefaultCard,
        }),
      };
      await webhookEffect(provider({}, billing), { kind: 'card_saved', customerId: 'cus_1', subscriptionId: 'sub_1', cardUpdateId: 'seti_1' }).refetch();
    }
    expect(makeDefaultCard).toHaveBeenCalledTimes(1);
    expect(makeDefaultCard).toHaveBeenCalledWith({ customerId: 'cus_1', subscriptionId: 'sub_1', cardId: 'pm_new' }, 'default-card:seti_1:pm_new');
  });
});
