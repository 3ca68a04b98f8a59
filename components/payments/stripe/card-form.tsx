'use client';

import { Elements, PaymentElement, useElements, useStripe } from '@stripe/react-stripe-js';
import type { PaymentIntent, SetupIntent, Stripe, StripeElements, StripeElementsOptions, StripeError } from '@stripe/stripe-js';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { confirmationErrorMessage, NOT_CHARGED, UNANSWERED } from './errors';
import { APPEARANCE } from './payment-form';
import { loadCardPayments } from './loader';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';

/** What the server hands back for the browser to confirm: a PaymentIntent's or a SetupIntent's secret. */
export interface CardIntent {
  intent: 'payment' | 'setup';
  clientSecret: string;
}

export type PreparedIntent = { ok: true; data: CardIntent } | { ok: false; error: string; code: string };

export interface ConfirmedIntent {
  intent: 'payment' | 'setup';
  id: string;
}

/**
 * How the Payment Element is set up before the customer presses the button: either for an
 * intent that exists already (its client secret), or for one the server makes on submit
 * (Stripe's "deferred intent" modes), so no provider object exists until the customer commits.
 */
export type CardCollection =
  | { clientSecret: string }
  | { mode: 'subscription' | 'payment'; amount: number; currency: string }
  | { mode: 'setup'; currency: string };

/** The provider has the money or the card: the rest arrives by webhook. */
const PAYMENT_TAKEN: readonly PaymentIntent.Status[] = ['succeeded', 'processing', 'requires_capture'];
const SETUP_DONE: readonly SetupIntent.Status[] = ['succeeded', 'processing'];

const UNEXPECTED_STATE = ['payment_intent_unexpected_state', 'setup_intent_unexpected_state'];

const CONFIRMED_BUT_UNFINISHED = 'Your card was accepted, but we could not finish on our side. Refresh this page to see where things stand.';

const OUTCOME_UNKNOWN = 'We could not reach our payment provider to finish this. Nothing is charged twice: please try again in a moment.';

interface CardFormProps {
  publishableKey: string;
  sandboxScriptUrl: string | null;
  nonce: string | undefined;
  collect: CardCollection;
  submitLabel: string;
  /** Called once the card details are complete: makes (or finds) the intent to confirm. */
  prepare: () => Promise<PreparedIntent>;
  /** A refusal the caller handles itself (say, by sending the customer elsewhere): true if handled. */
  onRefused?: (refusal: { error: string; code: string }) => boolean;
  /** After the provider has the payment or the card. An error string is shown on the form. */
  onConfirmed: (confirmed: ConfirmedIntent) => Promise<string | null | void> | void;
  /** Where the provider sends the customer back after a redirect-based step. */
  returnUrl: () => string;
  children?: ReactNode;
}

export function CardForm({ publishableKey, sandboxScriptUrl, nonce, collect, ...rest }: CardFormProps) {
  // Loaded in the browser only (the server renders the form without it); Elements takes a
  // null that later becomes the promise.
  const [stripe] = useState(() => (typeof window === 'undefined' ? null : loadCardPayments(publishableKey, sandboxScriptUrl, nonce)));
  const [loadFailed, setLoadFailed] = useState(false);

  useEffect(() => {
    stripe?.then(
      (loaded) => setLoadFailed(loaded === null),
      () => setLoadFailed(true),
    );
  }, [stripe]);

  if (loadFailed) return <Alert>The card form could not be loaded. Check your connection and refresh this page. {NOT_CHARGED}</Alert>;
  const options: StripeElementsOptions =
    'clientSecret' in collect
      ? { clientSecret: collect.clientSecret, appearance: APPEARANCE }
      : collect.mode === 'setup'
        ? { mode: 'setup', currency: collect.currency.toLowerCase(), appearance: APPEARANCE }
        : { mode: collect.mode, amount: collect.amount, currency: collect.currency.toLowerCase(), appearance: APPEARANCE };
  return (
    // An Elements group's client secret or mode cannot change once mounted: a new one gets a new group.
    <Elements key={JSON.stringify(collect)} stripe={stripe} options={options}>
      <ConfirmForm {...rest} />
    </Elements>
  );
}

async function confirmIntent(stripe: Stripe, elements: StripeElements, { intent, clientSecret }: CardIntent, returnUrl: string) {
  const confirmParams = { return_url: returnUrl };
  if (intent === 'payment') {
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
async function currentState(stripe: Stripe, { intent, clientSecret }: CardIntent): Promise<{ id?: string; status?: string }> {
  if (intent === 'payment') {
    const { paymentIntent } = await stripe.retrievePaymentIntent(clientSecret);
    return { id: paymentIntent?.id, status: paymentIntent?.status };
  }
  const { setupIntent } = await stripe.retrieveSetupIntent(clientSecret);
  return { id: setupIntent?.id, status: setupIntent?.status };
}

function done(intent: CardIntent['intent'], status: string | undefined): boolean {
  if (!status) return false;
  return intent === 'payment' ? (PAYMENT_TAKEN as readonly string[]).includes(status) : (SETUP_DONE as readonly string[]).includes(status);
}

function ConfirmForm({ submitLabel, prepare, onRefused, onConfirmed, returnUrl, children }: Omit<CardFormProps, 'publishableKey' | 'sandboxScriptUrl' | 'nonce' | 'collect'>) {
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

      let outcome: { error?: StripeError; id?: string; status?: string } = await confirmIntent(stripe, elements, prepared.data, returnUrl());
      const unanswered = outcome.error !== undefined && UNANSWERED.includes(outcome.error.type);
      if (!outcome.status && (unanswered || UNEXPECTED_STATE.includes(outcome.error?.code ?? ''))) {
        // Confirmed already (another tab), or the provider's answer was lost: ask it. Trying
        // again is safe either way, as the intent is the same one.
        outcome = { ...outcome, ...(await currentState(stripe, prepared.data)) };
      }
      if (done(prepared.data.intent, outcome.status) && outcome.id) {
        // Past this point the provider has the card: no "not charged" message may follow.
        const followUp = await Promise.resolve(onConfirmed({ intent: prepared.data.intent, id: outcome.id })).catch(() => CONFIRMED_BUT_UNFINISHED);
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
