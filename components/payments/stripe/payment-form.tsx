'use client';

import { Elements, PaymentElement, useElements, useStripe } from '@stripe/react-stripe-js';
import type { PaymentIntent } from '@stripe/stripe-js';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { NOT_CHARGED } from '../messages';
import type { PaymentFormProps } from '../pieces';
import { APPEARANCE, clientSecretOf } from './elements';
import { confirmationErrorMessage, UNANSWERED } from './errors';
import { loadStripeJs } from './loader';

/** The provider has the payment: the order waits for its webhook, and the customer for us. */
const TAKEN: readonly PaymentIntent.Status[] = ['succeeded', 'processing', 'requires_capture'];

/** Neither the confirm nor the check after it got an answer: say what is certain, no more. */
const OUTCOME_UNKNOWN =
  'We could not reach our payment provider to finish this payment. Your order is saved and can only be paid once: please try again in a moment.';

/** The checkout's Payment Element, for the PaymentIntent the server readied. */
export function StripePaymentForm({ browser, handoff, ...rest }: PaymentFormProps) {
  const [stripe] = useState(() => loadStripeJs(browser));
  const [loadFailed, setLoadFailed] = useState(false);

  useEffect(() => {
    stripe.then(
      (loaded) => setLoadFailed(loaded === null),
      () => setLoadFailed(true),
    );
  }, [stripe]);

  if (loadFailed) {
    return <Alert>The payment form could not be loaded. Check your connection and refresh this page; your order is saved.</Alert>;
  }
  const clientSecret = clientSecretOf(handoff);
  return (
    // One Elements group per intent: its client secret cannot change once it is mounted.
    <Elements key={clientSecret} stripe={stripe} options={{ clientSecret, appearance: APPEARANCE }}>
      <PayForm clientSecret={clientSecret} {...rest} />
    </Elements>
  );
}

function PayForm({ clientSecret, payLabel, returnUrl, onPaid, onExpired }: { clientSecret: string } & Omit<PaymentFormProps, 'browser' | 'handoff'>) {
  const stripe = useStripe();
  const elements = useElements();
  const [ready, setReady] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Set synchronously, before React re-renders the disabled button: a double click, or Enter
  // pressed twice, confirms once.
  const inFlight = useRef(false);

  async function pay(event: FormEvent) {
    event.preventDefault();
    if (!stripe || !elements || inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    setError(null);
    try {
      const result = await stripe.confirmPayment({ elements, confirmParams: { return_url: returnUrl() }, redirect: 'if_required' });
      let status = result.error ? result.error.payment_intent?.status : result.paymentIntent.status;
      const unanswered = result.error !== undefined && UNANSWERED.includes(result.error.type);
      if (!status && (result.error?.code === 'payment_intent_unexpected_state' || unanswered)) {
        // Confirmed already (say in another tab), or the provider's answer was lost: ask it how
        // the payment stands. Retrying is safe either way: the order has one intent, paid once.
        status = (await stripe.retrievePaymentIntent(clientSecret)).paymentIntent?.status;
      }
      if (status && TAKEN.includes(status)) {
        onPaid(); // the page is leaving: stay "Processing…"
        return;
      }
      if (status === 'canceled') {
        onExpired(); // this form is replaced by a fresh checkout: stay "Processing…"
        return;
      }
      if (unanswered && !status) setError(OUTCOME_UNKNOWN);
      else setError(result.error ? confirmationErrorMessage(result.error) : `The payment was not completed. ${NOT_CHARGED} Please try again.`);
    } catch {
      setError(`Something went wrong while paying. ${NOT_CHARGED} Please try again.`);
    }
    inFlight.current = false;
    setPending(false);
  }

  return (
    <form onSubmit={pay} aria-label="Card payment" className="space-y-5">
      <PaymentElement
        onReady={() => setReady(true)}
        onLoadError={async () => {
          // Stripe.js may refuse to show the form for a canceled intent: start afresh rather than ask for a refresh.
          const intent = stripe ? await stripe.retrievePaymentIntent(clientSecret).catch(() => null) : null;
          if (intent?.paymentIntent?.status === 'canceled') onExpired();
          else setError('The payment form could not be loaded. Check your connection and refresh this page; your order is saved.');
        }}
      />
      {error ? (
        <div data-testid="payment-error">
          <Alert>{error}</Alert>
        </div>
      ) : null}
      <Button type="submit" className="w-full py-2.5 text-base" disabled={!stripe || !ready || pending}>
        {pending ? 'Processing…' : payLabel}
      </Button>
    </form>
  );
}
