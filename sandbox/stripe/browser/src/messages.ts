/**
 * What the Stripe.js stand-in (stripe.ts, in the shop's page) and the card frame
 * (element-frame.ts, on the sandbox's origin) say to each other with postMessage. Each side
 * checks the other's origin and window before it reads a message, then trusts its shape.
 */

export const MESSAGE_SOURCE = 'billfold-stripe-js';

export type ElementType = 'payment' | 'card';

/** An error as Stripe.js reports it (the API's error object, or a validation error of its own). */
export interface StripeJsError {
  type: string;
  code?: string;
  message: string;
  param?: string;
  [key: string]: unknown;
}

/** The appearance option of an Elements group (the parts the frame draws). */
export interface Appearance {
  theme?: string;
  labels?: string;
  variables?: Record<string, string | number | null | undefined>;
}

type AddressField = 'auto' | 'never';

/** The Element options the frame understands (the shop passes more; they are carried along). */
export interface ElementOptions {
  readOnly?: boolean;
  disabled?: boolean;
  /** Payment Element: which billing details it asks for. */
  fields?: { billingDetails?: AddressField | { address?: AddressField | { country?: AddressField; postalCode?: AddressField } } };
  defaultValues?: { billingDetails?: { address?: { country?: string; postal_code?: string } } };
  /** Card Element: its look and its postal code. */
  style?: { base?: Record<string, unknown> & { '::placeholder'?: { color?: string } }; invalid?: { color?: string } };
  hidePostalCode?: boolean;
  hideIcon?: boolean;
  value?: { postalCode?: unknown };
  classes?: Partial<Record<'base' | 'complete' | 'empty' | 'focus' | 'invalid', string>>;
  [option: string]: unknown;
}

/** What the frame needs to know of the Element's group. */
export interface GroupConfig {
  appearance?: Appearance;
  clientSecret?: string;
  mode?: string | null;
  locale?: string;
}

export interface FrameConfig {
  key: string;
  elementType: ElementType;
  options: ElementOptions;
  group: GroupConfig;
}

/** A change as the Element's `change` event reports it. */
export interface ChangeEvent {
  empty: boolean;
  complete: boolean;
  brand: string;
  error?: StripeJsError;
  collapsed?: boolean;
  value: { type: 'card' } | { postalCode?: string };
}

/** A PaymentMethod as the API answered it (the stand-in reads only its id). */
export interface CreatedPaymentMethod {
  id: string;
  [field: string]: unknown;
}

/** The frame's answer to `validate` (`{}` when the form is complete) and to `tokenize`. */
export type FrameResult = { error: StripeJsError } | { paymentMethod: CreatedPaymentMethod } | Record<string, never>;

/** Messages from the shop's page to the frame. */
export type ToFrame =
  | { type: 'init'; config: FrameConfig }
  | { type: 'update'; options: ElementOptions }
  | { type: 'group'; group: GroupConfig }
  | { type: 'focus' | 'blur' | 'clear' }
  | { type: 'validate'; requestId: number }
  | { type: 'tokenize'; requestId: number; billingDetails?: BillingDetails; metadata?: Record<string, unknown> };

/** Messages from the frame to the shop's page. */
export type FromFrame =
  | { type: 'load' | 'ready' | 'focus' | 'blur' | 'escape' }
  | { type: 'loaderror'; error: StripeJsError }
  | { type: 'change'; event: ChangeEvent; valueChanged: boolean }
  | { type: 'resize'; height: number }
  | { type: 'response'; requestId: number; result: FrameResult };

export interface BillingDetails {
  address?: Record<string, unknown>;
  [field: string]: unknown;
}

/** Every message carries who sent it and which Element's frame it concerns. */
export type Envelope<M> = M & { source: typeof MESSAGE_SOURCE; frameId: string };

/** Whether `data` is one of ours, for the Element `frameId` when given (checked before its shape is trusted). */
export function isEnvelope(data: unknown, frameId?: string): data is Envelope<{ type: string }> {
  if (!data || typeof data !== 'object') return false;
  const message = data as Partial<Envelope<{ type: string }>>;
  return message.source === MESSAGE_SOURCE && (frameId === undefined || message.frameId === frameId);
}
