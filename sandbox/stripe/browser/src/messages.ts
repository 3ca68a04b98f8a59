/**
 * What the Stripe.js stand-in (stripe.ts, in the shop's page) and the Elements' frames (the card
 * form, element-frame.ts, and the address and email forms, address-frame.ts, all on the
 * sandbox's origin) say to each other with postMessage. Each side checks the other's origin and
 * window before it reads a message, then trusts its shape.
 */

export const MESSAGE_SOURCE = 'billfold-stripe-js';

export type ElementType = 'payment' | 'card' | 'address' | 'linkAuthentication';

/** The Elements whose frame takes card details; the others take contact details. */
export type CardElementType = Extract<ElementType, 'payment' | 'card'>;

export type AddressMode = 'billing' | 'shipping';

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
  /** Address Element: 'billing' or 'shipping' (checked when it is created). */
  mode?: unknown;
  [option: string]: unknown;
}

/** The Address Element's options (StripeAddressElementOptions), as the frame reads them. */
export interface AddressElementOptions {
  mode?: AddressMode;
  allowedCountries?: string[] | null;
  defaultValues?: {
    name?: string | null;
    firstName?: string | null;
    lastName?: string | null;
    address?: { line1?: string | null; line2?: string | null; city?: string | null; state?: string | null; postal_code?: string | null; country?: string };
    phone?: string | null;
  };
  fields?: { phone?: 'always' | 'never' | 'auto' };
  validation?: { phone?: { required?: 'always' | 'never' | 'auto' } };
  display?: { name?: 'full' | 'split' | 'organization' };
  autocomplete?: { mode?: string };
}

/** The Link Authentication Element's options. */
export interface LinkAuthenticationElementOptions {
  defaultValues?: { email?: string };
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

/** A change as the Payment or Card Element's `change` event reports it. */
export interface CardChangeEvent {
  empty: boolean;
  complete: boolean;
  brand: string;
  error?: StripeJsError;
  collapsed?: boolean;
  value: { type: 'card' } | { postalCode?: string };
}

/** The Address Element's value (StripeAddressElementChangeEvent['value']). */
export interface AddressValue {
  name: string;
  firstName?: string;
  lastName?: string;
  address: { line1: string; line2: string | null; city: string; state: string; postal_code: string; country: string };
  phone?: string;
}

/** The Address Element's `change` event, less the elementType the page adds. */
export interface AddressChangeEvent {
  elementMode: AddressMode;
  empty: boolean;
  complete: boolean;
  isNewAddress: boolean;
  value: AddressValue;
}

/** The Link Authentication Element's `change` event, less the elementType. */
export interface LinkAuthenticationChangeEvent {
  empty: boolean;
  complete: boolean;
  value: { email: string };
}

export type ChangeEvent = CardChangeEvent | AddressChangeEvent | LinkAuthenticationChangeEvent;

/**
 * What an address or email frame holds, read for getValue() or a confirmation: its fields' errors
 * are on show by then, and `error` is the first of them when the form is incomplete.
 */
export type ContactDetails = (Pick<AddressChangeEvent, 'complete' | 'isNewAddress' | 'value'> | Pick<LinkAuthenticationChangeEvent, 'complete' | 'value'>) & {
  error?: StripeJsError;
};

/** A PaymentMethod as the API answered it (the stand-in reads only its id). */
export interface CreatedPaymentMethod {
  id: string;
  [field: string]: unknown;
}

/** The frame's answer to `validate` (`{}` when the form is complete), to `tokenize` and to `details`. */
export type FrameResult = { error: StripeJsError } | { paymentMethod: CreatedPaymentMethod } | { details: ContactDetails } | Record<string, never>;

/** Messages from the shop's page to the frame. */
export type ToFrame =
  | { type: 'init'; config: FrameConfig }
  | { type: 'update'; options: ElementOptions }
  | { type: 'group'; group: GroupConfig }
  | { type: 'focus' | 'blur' | 'clear' }
  | { type: 'validate' | 'details'; requestId: number }
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
