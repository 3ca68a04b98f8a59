import type { ComponentType, ReactNode } from 'react';
import type { PaymentBrowserConfig } from '@/lib/payments/browser';
import type { PaymentHandoff } from '@/lib/payments/types';

/**
 * What a provider's browser pieces (components/payments/<provider>/) are given, in Billfold's
 * words. Each provider has two: a form for a payment the server has readied already (the
 * checkout), and a card form that asks the server for the payment or the card update only once
 * the card details are complete (subscribe, the billing portal).
 */

export interface PaymentFormProps {
  browser: PaymentBrowserConfig;
  /** How the provider's script finishes the payment the server readied. */
  handoff: PaymentHandoff;
  payLabel: string;
  /** Where the provider sends the customer back after a redirect-based step. */
  returnUrl: () => string;
  onPaid: () => void;
  /** The payment was canceled (the shop abandoned this checkout while the tab stayed open): it can never be paid. */
  onExpired: () => void;
}

/**
 * What the card form is set up for before the customer presses the button: a payment that exists
 * already, or what the server makes on submit, so nothing exists at the provider until the
 * customer commits. Amounts are in minor units.
 */
export type CardCollection =
  | { handoff: PaymentHandoff }
  | { mode: 'payment' | 'subscription'; amount: number; currency: string }
  /** A card saved for later charges, nothing paid now. */
  | { mode: 'card'; currency: string };

/** What the browser finishes once the card is complete: a payment, or saving the card. */
export type CardStepKind = 'payment' | 'card';

export type PreparedCardStep = { ok: true; data: { step: CardStepKind; handoff: PaymentHandoff } } | { ok: false; error: string; code: string };

export interface ConfirmedCardStep {
  step: CardStepKind;
  /** The provider's id of the payment or of the card update. */
  id: string;
}

export interface CardFormProps {
  browser: PaymentBrowserConfig;
  collect: CardCollection;
  submitLabel: string;
  /** Called once the card details are complete: makes (or finds) the payment or card update to finish. */
  prepare: () => Promise<PreparedCardStep>;
  /** A refusal the caller handles itself (say, by sending the customer elsewhere): true if handled. */
  onRefused?: (refusal: { error: string; code: string }) => boolean;
  /** After the provider has the payment or the card. An error string is shown on the form. */
  onConfirmed: (confirmed: ConfirmedCardStep) => Promise<string | null | void> | void;
  /** Where the provider sends the customer back after a redirect-based step. */
  returnUrl: () => string;
  children?: ReactNode;
}

/** What the server said of a payment the buyer approved (lib/billing/approval-checkout.ts). */
export type FinishedApproval =
  | { ok: true; data: { outcome: 'paid' | 'processing' | 'confirming' } | { outcome: 'restart' | 'refused'; message: string } }
  | { ok: false; error: string; code: string };

/**
 * A provider's button that has the buyer approve a payment in the provider's own window (PayPal),
 * beside the card form; the server makes the payment when the button is clicked and takes the
 * money once the buyer approved.
 */
export interface ApprovalButtonProps {
  browser: PaymentBrowserConfig;
  /** Makes (or finds) the provider payment for the cart the page shows. */
  createPayment: () => Promise<{ ok: true; data: { paymentId: string } } | { ok: false; error: string; code: string }>;
  /** After the buyer approved: the server takes the money, or says why not. */
  finishPayment: (paymentId: string) => Promise<FinishedApproval>;
  /** Paid, or with the provider to confirm: the order's page says which. */
  onDone: () => void;
  /** What to tell the buyer (canceled, declined, refused); null clears it. */
  onMessage: (message: { tone: 'info' | 'error'; text: string } | null) => void;
}

/**
 * A provider's button that has the buyer approve a subscription in the provider's own window
 * (PayPal), beside the card form; the provider takes the first payment itself, and the
 * subscription starts when its webhook says so.
 */
export interface SubscriptionButtonProps {
  browser: PaymentBrowserConfig;
  /** Makes (or finds) the account's provider subscription to the plan the page shows. */
  createSubscription: () => Promise<{ ok: true; data: { subscriptionId: string } } | { ok: false; error: string; code: string }>;
  /** A refusal the caller handles itself (say, by sending the customer elsewhere): true if handled. */
  onRefused?: (refusal: { error: string; code: string }) => boolean;
  /** The buyer approved: the page waits for the provider's confirmation. */
  onApproved: () => void;
  /** What to tell the buyer (left the window, refused); null clears it. */
  onMessage: (message: { tone: 'info' | 'error'; text: string } | null) => void;
  /**
   * Where the page is, for what the button says when PayPal fails or the buyer leaves its window:
   * the other way to go on (`instead`, as a clause: "subscribe by card"), and what leaving means
   * (`left`). The subscribe page's by default.
   */
  wording?: { instead: string; left: string };
}

export interface ProviderPieces {
  PaymentForm: ComponentType<PaymentFormProps>;
  CardForm: ComponentType<CardFormProps>;
}
