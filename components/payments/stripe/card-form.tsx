'use client';

import { Elements, PaymentElement, useElements, useStripe } from '@stripe/react-stripe-js';
import type { PaymentIntent, SetupIntent, Stripe, StripeElements, StripeElementsOptions, StripeError } from '@stripe/stripe-js';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { NOT_CHARGED } from '../messages';
import type { CardCollection, CardFormProps, CardStepKind } from '../pieces';
import { APPEARANCE, clientSecretOf } from './elements';
import { confirmationErrorMessage, UNANSWERED } from './errors';
import { loadStripeJs } from './loader';

/** The server's payment or card update, as Stripe.js confirms it: a PaymentIntent's or a SetupIntent's secret. */
interface CardIntent {
  step: CardStepKind;
  clientSecret: string;
}

/** The provider has the money or the card: the rest arrives by webhook. */
const PAYMENT_TAKEN: readonly PaymentIntent.Status[] = ['succeeded', 'processing', 'requires_capture'];
const SETUP_DONE: readonly SetupIntent.Status[] = ['succeeded', 'processing'];

const UNEXPECTED_STATE = ['payment_intent_unexpected_state', 'setup_intent_unexpected_state'];

const CONFIRMED_BUT_UNFINISHED = 'Your card was accepted, but we could not finish on our side. Refresh this page to see where things stand.';

const OUTCOME_UNKNOWN = 'We could not reach our payment provider to finish this. Nothing is charged twice: please try again in a moment.';

/**
 * How the Payment Element is set up before the customer presses the button: for an intent that
 * exists already (its client secret), or for one the server makes on submit (Stripe's "deferred
 * intent" modes).
 */
function elementsOptions(collect: CardCollection): StripeElementsOptions {
  if ('handoff' in collect) return { clientSecret: clientSecretOf(collect.handoff), appearance: APPEARANCE };
  if (collect.mode === 'card') return { mode: 'setup', currency: collect.currency.toLowerCase(), appearance: APPEARANCE };
  return { mode: collect.mode, amount: collect.amount, currency: collect.currency.toLowerCase(), appearance: APPEARANCE };
}

/** The Payment Element for subscribing, saving a card and paying an open invoice. */
export function StripeCardForm({ browser, collect, ...rest }: CardFormProps) {
  // Loaded in the browser only (the server renders the form without it); Elements takes a
  // null that later becomes the promise.
  const [stripe] = useState(() => (typeof window === 'undefined' ? null : loadStripeJs(browser)));
  const [loadFailed, setLoadFailed] = useState(false);

  useEffect(() => {
    stripe?.then(
      (loaded) => setLoadFailed(loaded === null),
      () => setLoadFailed(true),
    );
  }, [stripe]);

  if (loadFailed) return <Alert>The card form could not be loaded. Check your connection and refresh this page. {NOT_CHARGED}</Alert>;
  return (
    // An Elements group's client secret or mode cannot change once mounted: a new one gets a new group.
    <Elements key={JSON.stringify(collect)} stripe={stripe} options={elementsOptions(collect)}>
      <ConfirmForm {...rest} />
    </Elements>
  );
}

async function confirmIntent(stripe: Stripe, elements: StripeElements, { step, clientSecret }: CardIntent, returnUrl: string) {
  const confirmParams = { return_url: returnUrl };
  if (step === 'payment') {
    const result = await stripe.confirmPayment({ elements, clientSecret, confirmParams, redirect: 'if_required' });
    return result.error
      ? { error: result.error, id: result.error.payment_intent?.id, status: result.error.payment_intent?.status }
      : { error: undefined, id: result.paymentIntent.id, status: result.paymentIntent.status };
  }
  const result = await stripe.confirmSetup({ elements, clientSecret, confirmParams, redirect: 'if_required' });
  return result.error
    ? { error: result.error, id: result.error.setup_intent?.id, status: result.error.setup_intent?.status }
    : { error: undefined, id: result.setupIntent.id, status: result.setupIntent.status };
}

/** Asks the provider how an intent stands, after a confirm whose answer was lost or came too late. */
async function currentState(stripe: Stripe, { step, clientSecret }: CardIntent): Promise<{ id?: string; status?: string }> {
  if (step === 'payment') {
    const { paymentIntent } = await stripe.retrievePaymentIntent(clientSecret);
    return { id: paymentIntent?.id, status: paymentIntent?.status };
  }
  const { setupIntent } = await stripe.retrieveSetupIntent(clientSecret);
  return { id: setupIntent?.id, status: setupIntent?.status };
}

function done(step: CardStepKind, status: string | undefined): boolean {
  if (!status) return false;
  return step === 'payment' ? (PAYMENT_TAKEN as readonly string[]).includes(status) : (SETUP_DONE as readonly string[]).includes(status);
}

function ConfirmForm({ submitLabel, prepare, onRefused, onConfirmed, returnUrl, children }: Omit<CardFormProps, 'browser' | 'collect'>) {
  const stripe = useStripe();
  const elements = useElements();
  const [ready, setReady] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Set synchronously, before React re-renders the disabled button: a double click, or Enter
  // pressed twice, submits once.
  const inFlight = useRef(false);

  function stop(message: string | null) {
    setError(message);
    inFlight.current = false;
    setPending(false);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!stripe || !elements || inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    setError(null);
    try {
      // Checked before anything is made at the provider: an incomplete card number costs nothing.
      const submitted = await elements.submit();
      if (submitted.error) return stop(submitted.error.message ?? 'Check your card details.');

      const prepared = await prepare();
      if (!prepared.ok) {
        if (onRefused?.(prepared)) return; // the caller is taking the customer elsewhere
        return stop(prepared.error);
      }

      const intent: CardIntent = { step: prepared.data.step, clientSecret: clientSecretOf(prepared.data.handoff) };
      let outcome: { error?: StripeError; id?: string; status?: string } = await confirmIntent(stripe, elements, intent, returnUrl());
      const unanswered = outcome.error !== undefined && UNANSWERED.includes(outcome.error.type);
      if (!outcome.status && (unanswered || UNEXPECTED_STATE.includes(outcome.error?.code ?? ''))) {
        // Confirmed already (another tab), or the provider's answer was lost: ask it. Trying
        // again is safe either way, as the intent is the same one.
        outcome = { ...outcome, ...(await currentState(stripe, intent)) };
      }
      if (done(intent.step, outcome.status) && outcome.id) {
        // Past this point the provider has the card: no "not charged" message may follow.
        const followUp = await Promise.resolve(onConfirmed({ step: intent.step, id: outcome.id })).catch(() => CONFIRMED_BUT_UNFINISHED);
        if (followUp) return stop(followUp);
        return; // the page moves on: stay "Processing…"
      }
      if (unanswered && !outcome.status) return stop(OUTCOME_UNKNOWN);
      return stop(outcome.error ? confirmationErrorMessage(outcome.error) : `This was not completed. ${NOT_CHARGED} Please try again.`);
    } catch {
      return stop(`Something went wrong. ${NOT_CHARGED} Please try again.`);
    }
  }

  return (
    <form onSubmit={submit} aria-label="Card details" className="space-y-5">
      <PaymentElement onReady={() => setReady(true)} onLoadError={() => setError(`The card form could not be loaded. Check your connection and refresh this page. ${NOT_CHARGED}`)} />
      {error ? (
        <div data-testid="payment-error">
          <Alert>{error}</Alert>
        </div>
      ) : null}
      {children}
      <Button type="submit" className="w-full py-2.5 text-base" disabled={!stripe || !ready || pending}>
        {pending ? 'Processing…' : submitLabel}
      </Button>
    </form>
  );
}
