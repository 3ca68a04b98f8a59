'use client';

import Link from 'next/link';
import { useState, useTransition } from 'react';
import { finishApprovalPayment, startApprovalPayment, startCheckout } from '@/app/(shop)/checkout/actions';
import { ApprovalStep } from '@/components/payments/approval-step';
import { BesideTheCard, type ButtonMessage } from '@/components/payments/beside-the-card';
import { PaymentStep } from '@/components/payments/payment-step';
import { clearCart, useCart } from '@/components/shop/cart-store';
import { useCartQuote } from '@/components/shop/use-cart-quote';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { problemsElsewhere } from '@/lib/auth/refusals';
import type { PaymentBrowserConfig } from '@/lib/payments/browser';
import { OrderSummary } from './order-summary';
import { linesMatchItems, type CheckoutSessionView } from './order-view';
import { useOwnDocument } from './use-own-document';

interface CheckoutViewProps {
  /** The signed-in customer's email; null for a guest. */
  signedInEmail: string | null;
  browser: PaymentBrowserConfig;
  /** The providers whose own buttons (PayPal) may pay the order beside the card form. */
  approvals: PaymentBrowserConfig[];
  /** This browser's order in progress (from its cookie), to carry on after a refresh. */
  resumed: CheckoutSessionView | null;
}

export function CheckoutView({ signedInEmail, browser, approvals, resumed }: CheckoutViewProps) {
  useOwnDocument();
  const { items, ready } = useCart();
  const [session, setSession] = useState<CheckoutSessionView | null>(resumed);
  const [editingDetails, setEditingDetails] = useState(false);
  const [email, setEmail] = useState(resumed?.order.email ?? '');
  const [error, setError] = useState<{ message: string | null; email?: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [approvalMessage, setApprovalMessage] = useState<ButtonMessage | null>(null);
  const [paid, setPaid] = useState(false);
  const [continuing, startContinuing] = useTransition();

  // The payment in hand is only good for the cart it was made for; a cart changed elsewhere (another
  // tab) goes back through Continue, which updates the same order and payment.
  const cartChanged = session !== null && !editingDetails && !linesMatchItems(session.order.lines, items);
  const current = session && !editingDetails && !cartChanged && session.handoff ? { ...session, handoff: session.handoff } : null;
  const quote = useCartQuote(items, ready && !current && !paid);

  if (paid) {
    return (
      <p role="status" className="rounded-2xl border border-stone-200 bg-white p-6">
        Payment sent. Taking you to your order…
      </p>
    );
  }
  if (!ready) return <p className="text-stone-500">Loading your checkout…</p>;
  if (items.length === 0) {
    return (
      <div className="rounded-2xl border border-dashed border-stone-300 bg-white px-6 py-12 text-center">
        <p className="font-medium">Your cart is empty.</p>
        {session ? (
          // Emptied while this page was open: most likely paid in another tab.
          <p className="mt-2 text-stone-600">
            Paid for order #{session.order.number} in another tab?{' '}
            <a href={`/checkout/complete?order=${encodeURIComponent(session.order.token)}`} className="font-medium text-brand-600 hover:underline">
              See order #{session.order.number}
            </a>
          </p>
        ) : null}
        <Link href="/" className="mt-4 inline-block font-medium text-brand-600 hover:underline">
          Continue shopping
        </Link>
      </div>
    );
  }

  function continueToPayment(reason: string | null = null) {
    setError(null);
    setNotice(reason);
    startContinuing(async () => {
      const result = await startCheckout({ items: [...items], email: signedInEmail ? undefined : email });
      if (result.ok) {
        setSession(result.data);
        setEditingDetails(false);
      } else {
        // The email is shown at its field; anything else (a cart line, a field the form does not have) at the top.
        setError({ message: problemsElsewhere(result, signedInEmail ? [] : ['email']), email: result.fieldErrors?.email });
      }
    });
  }

  /**
   * The payment in hand was canceled: the shop gave up on this checkout while the tab stayed
   * open. Never show it again; Continue's own call makes a fresh order (or payment) for the cart.
   */
  function restartExpiredCheckout() {
    setSession((previous) => (previous ? { ...previous, handoff: null } : previous));
    continueToPayment('This checkout had expired, so we started it again. You have not been charged: enter your card details to pay.');
  }

  if (current) {
    const { order, handoff } = current;
    const completeUrl = () => `${window.location.origin}/checkout/complete?order=${encodeURIComponent(order.token)}`;
    const goToOrder = () => {
      setPaid(true);
      clearCart();
      window.location.assign(completeUrl());
    };
    // A provider that does not take this order's currency (PayPal and KWD) simply offers no button.
    const approvalButtons = approvals.filter((config) => current.approvals.includes(config.provider));
    return (
      <div className="grid gap-8 lg:grid-cols-[1fr_24rem]">
        <section aria-labelledby="payment-heading" className="rounded-2xl border border-stone-200 bg-white p-6 shadow-xs">
          <h2 id="payment-heading" className="text-base font-semibold">
            Payment
          </h2>
          <p className="mt-1 mb-5 text-sm text-stone-600">
            Paying as <span className="font-medium text-ink">{order.email}</span>
            {signedInEmail ? null : (
              <>
                {' · '}
                <button type="button" className="py-3 font-medium text-brand-600 hover:underline" onClick={() => setEditingDetails(true)}>
                  Change email
                </button>
              </>
            )}
          </p>
          {notice ? (
            <div className="mb-5">
              <Alert tone="info">{notice}</Alert>
            </div>
          ) : null}
          {approvalButtons.length > 0 ? (
            <BesideTheCard message={approvalMessage}>
              {approvalButtons.map((config) => (
                <ApprovalStep
                  key={config.provider}
                  browser={config}
                  createPayment={() => startApprovalPayment({ provider: config.provider, items: [...items] })}
                  finishPayment={(paymentId) => finishApprovalPayment({ provider: config.provider, paymentId })}
                  onDone={goToOrder}
                  onMessage={setApprovalMessage}
                />
              ))}
            </BesideTheCard>
          ) : null}
          <PaymentStep browser={browser} handoff={handoff} payLabel={`Pay ${order.total}`} returnUrl={completeUrl} onPaid={goToOrder} onExpired={restartExpiredCheckout} />
          <p className="mt-4 text-xs text-stone-500">Card details go straight to our payment provider in a secure frame; they never reach our servers.</p>
        </section>
        <OrderSummary heading={`Order #${order.number}`} lines={order.lines} total={order.total}>
          <p className="sr-only" data-testid="order-number">
            {order.number}
          </p>
        </OrderSummary>
      </div>
    );
  }

  const priced = quote.status === 'priced' ? quote.quote : quote.status === 'loading' ? quote.last : null;
  return (
    <div className="grid gap-8 lg:grid-cols-[1fr_24rem]">
      <form
        aria-labelledby="details-heading"
        className="space-y-5 rounded-2xl border border-stone-200 bg-white p-6 shadow-xs"
        onSubmit={(event) => {
          event.preventDefault();
          continueToPayment();
        }}
        noValidate
      >
        <h2 id="details-heading" className="text-base font-semibold">
          Your details
        </h2>
        {cartChanged ? <Alert tone="info">Your cart changed since you started paying. Check the new total, then continue.</Alert> : null}
        {notice ? <Alert tone="info">{notice}</Alert> : null}
        {quote.status === 'refused' ? <Alert>{quote.error}</Alert> : null}
        {error?.message ? <Alert>{error.message}</Alert> : null}
        {signedInEmail ? (
          <p className="text-sm text-stone-600">
            Signed in as <span className="font-medium text-ink">{signedInEmail}</span>. The receipt goes to this address.
          </p>
        ) : (
          <>
            <Field
              id="email"
              name="email"
              type="email"
              label="Email"
              autoComplete="email"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              error={error?.email}
            />
            <p className="text-sm text-stone-600">
              We send the receipt here. Have an account?{' '}
              <Link href="/sign-in?next=/checkout" className="font-medium text-brand-600 hover:underline">
                Sign in
              </Link>
            </p>
          </>
        )}
        <Button type="submit" className="w-full py-2.5 text-base" disabled={continuing || quote.status !== 'priced'}>
          {continuing ? 'Preparing payment…' : 'Continue to payment'}
        </Button>
      </form>
      {priced && quote.status !== 'refused' ? <OrderSummary lines={priced.lines} total={priced.total} /> : null}
    </div>
  );
}
