import crypto from 'node:crypto';
import zlib from 'node:zlib';
import type { WebhookRegistration, WebhooksApi } from '@/lib/payments/provider';
import { PaymentProviderUnavailableError, type WebhookAction } from '@/lib/payments/types';

/**
 * PayPal's webhooks: the signature check, and what each event type Billfold acts on is about.
 * Nothing here trusts the event's copy of the object or decides anything: an event names the
 * order or subscription it concerns, and lib/billing re-fetches it and decides
 * (lib/billing/webhook-actions.ts).
 *
 * Verification is offline, as PayPal documents it ("Verify the signature",
 * developer.paypal.com/api/rest/webhooks/rest): RSA-SHA256 over
 * `<transmission id>|<transmission time>|<webhook id>|<CRC32 of the raw body, unsigned decimal>`
 * with the public key of the certificate at PAYPAL-CERT-URL. The certificate is fetched only
 * from allowed locations and kept, so a steady stream of deliveries costs one RSA verify each.
 * PayPal's verify-webhook-signature postback is the fallback for when the certificate cannot be
 * fetched.
 */

/** Where PayPal serves its webhook certificates, per environment: https, PayPal's API hosts, the certs path. */
export const PAYPAL_CERTIFICATE_LOCATIONS = {
  live: ['https://api.paypal.com/v1/notifications/certs/', 'https://api-m.paypal.com/v1/notifications/certs/'],
  sandbox: ['https://api.sandbox.paypal.com/v1/notifications/certs/', 'https://api-m.sandbox.paypal.com/v1/notifications/certs/'],
} as const;

/** Where the local sandbox serves its certificate: `paypalUrl` is its PayPal prefix (`${sandboxUrl}/paypal`). */
export function sandboxCertificateLocation(paypalUrl: string): string {
  return `${paypalUrl.replace(/\/+$/, '')}/v1/notifications/certs/`;
}

/** What PayPal's POST /v1/notifications/verify-webhook-signature takes. */
export interface SignaturePostback {
  auth_algo: string;
  cert_url: string;
  transmission_id: string;
  transmission_sig: string;
  transmission_time: string;
  webhook_id: string;
  webhook_event: unknown;
}

export interface PaypalWebhooksOptions {
  /**
   * The ids of the webhooks whose deliveries Billfold accepts (the id is part of what PayPal
   * signs): PAYPAL_WEBHOOK_ID with real credentials; in sandbox mode the webhook registered with
   * the sandbox, whose id the sandbox assigns (so `npm run dev` would register it as it does
   * Stripe's endpoint and hand the id on). A function, so the wiring decides when to read it.
   */
  webhookIds: () => readonly string[] | Promise<readonly string[]>;
  /** URL prefixes a PAYPAL-CERT-URL must start with (PAYPAL_CERTIFICATE_LOCATIONS, sandboxCertificateLocation). */
  certificateLocations: readonly string[];
  /** PayPal's verify-webhook-signature call, for when the certificate cannot be fetched; without it that delivery is an outage. */
  postback?: (request: SignaturePostback) => Promise<{ verification_status: string }>;
  /** How certificates are fetched (a test counts the calls). */
  fetch?: typeof fetch;
  /** Milliseconds since the epoch (a test moves it to make a delivery stale). */
  now?: () => number;
}

/**
 * How far PAYPAL-TRANSMISSION-TIME may be from our clock. PayPal signs every attempt anew: a
 * retry (up to 25 over 3 days) is a new transmission with its own id, time and signature, and
 * so is a resend from the dashboard (the sandbox does the same: events.ts paypalSender). So a
 * tolerance refuses replays of a captured delivery without refusing PayPal's own retries.
 */
const TRANSMISSION_TOLERANCE_MS = 5 * 60 * 1000;
/** The only algorithm PayPal signs with; anything else in PAYPAL-AUTH-ALGO is not PayPal's. */
const AUTH_ALGO = 'SHA256withRSA';
/** PayPal uses a handful of certificates at a time; a bounded cache cannot be grown by forged URLs (those are never fetched). */
const MAX_CACHED_CERTIFICATES = 8;
const CERTIFICATE_FETCH_TIMEOUT_MS = 5_000;

interface Transmission {
  id: string;
  time: string;
  signature: string;
  certUrl: string;
  authAlgo: string;
}

function transmissionOf(headers: Headers): Transmission | null {
  const id = headers.get('paypal-transmission-id');
  const time = headers.get('paypal-transmission-time');
  const signature = headers.get('paypal-transmission-sig');
  const certUrl = headers.get('paypal-cert-url');
  const authAlgo = headers.get('paypal-auth-algo');
  if (!id || !time || !signature || !certUrl || !authAlgo) return null;
  return { id, time, signature, certUrl, authAlgo };
}

/**
 * The CRC32 PayPal signs, of the body's bytes as received, as an unsigned integer. zlib.crc32
 * is in Node since 20.15 (and 22.2); the `>>> 0` keeps it unsigned whatever the runtime returns.
 */
function crc32Of(rawBody: string): number {
  return zlib.crc32(Buffer.from(rawBody, 'utf8')) >>> 0;
}

export function signedMessage(transmission: Pick<Transmission, 'id' | 'time'>, webhookId: string, rawBody: string): string {
  return `${transmission.id}|${transmission.time}|${webhookId}|${crc32Of(rawBody)}`;
}

/** Compared as parsed URLs, so `https://api.paypal.com.evil.test/…` or `https://api.paypal.com@evil.test/…` never passes. */
function isAllowedLocation(certUrl: string, locations: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(certUrl);
  } catch {
    return false;
  }
  if (url.username || url.password || url.search || url.hash) return false;
  return locations.some((location) => {
    const allowed = new URL(location);
    return url.origin === allowed.origin && url.pathname.startsWith(allowed.pathname) && url.pathname.length > allowed.pathname.length;
  });
}

interface CachedCertificate {
  publicKey: crypto.KeyObject;
  validFrom: number;
  validTo: number;
}

/** The certificate could not be had (network error, non-2xx): offline verification cannot decide. */
class CertificateUnavailable extends Error {}

/**
 * Certificates by URL, at most MAX_CACHED_CERTIFICATES (the oldest goes first). A fetch in
 * flight is shared, so a storm of deliveries right after a start fetches the certificate once.
 */
function certificateCache(fetchImpl: typeof fetch) {
  const cache = new Map<string, Promise<CachedCertificate>>();

  async function load(url: string): Promise<CachedCertificate> {
    let pem: string;
    try {
      // No redirects: an allowed host must not be able to send us to one that is not.
      const response = await fetchImpl(url, { redirect: 'error', signal: AbortSignal.timeout(CERTIFICATE_FETCH_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`certificate fetch answered ${response.status}`);
      pem = await response.text();
    } catch (error) {
      throw new CertificateUnavailable('the certificate could not be fetched', { cause: error });
    }
    // A body that is not a certificate is an answer, not an outage: it verifies nothing.
    const certificate = new crypto.X509Certificate(pem);
    return { publicKey: certificate.publicKey, validFrom: Date.parse(certificate.validFrom), validTo: Date.parse(certificate.validTo) };
  }

  return async function certificateAt(url: string): Promise<CachedCertificate> {
    let entry = cache.get(url);
    if (!entry) {
      entry = load(url);
      cache.set(url, entry);
      while (cache.size > MAX_CACHED_CERTIFICATES) cache.delete(cache.keys().next().value as string);
      // Nothing failed is kept: the next delivery tries again.
      entry.catch(() => cache.delete(url));
    }
    return entry;
  };
}

function isEvent(value: unknown): value is { id: string; event_type: string } {
  if (typeof value !== 'object' || value === null) return false;
  const { id, event_type: type } = value as Record<string, unknown>;
  return typeof id === 'string' && id.length > 0 && typeof type === 'string' && type.length > 0;
}

function parseEvent(rawBody: string): { id: string; event_type: string } | null {
  try {
    const parsed: unknown = JSON.parse(rawBody);
    return isEvent(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** PayPal's webhook verification, for deliveries to the webhooks `options.webhookIds` names. */
export function paypalWebhookVerifier(options: PaypalWebhooksOptions): WebhooksApi['verify'] {
  const now = options.now ?? Date.now;
  const certificateAt = certificateCache(options.fetch ?? globalThis.fetch);

  async function verifiedByPostback(transmission: Transmission, rawBody: string, event: unknown, webhookIds: readonly string[], cause: unknown): Promise<boolean> {
    if (!options.postback) throw new PaymentProviderUnavailableError('paypal', { cause });
    for (const webhookId of webhookIds) {
      const reply = await options.postback({
        auth_algo: transmission.authAlgo,
        cert_url: transmission.certUrl,
        transmission_id: transmission.id,
        transmission_sig: transmission.signature,
        transmission_time: transmission.time,
        webhook_id: webhookId,
        webhook_event: event,
      });
      if (reply.verification_status === 'SUCCESS') return true;
    }
    return false;
  }

  return async function verify(rawBody, headers) {
    const transmission = transmissionOf(headers);
    if (!transmission || transmission.authAlgo !== AUTH_ALGO) return null;
    const sentAt = Date.parse(transmission.time);
    if (!Number.isFinite(sentAt) || Math.abs(now() - sentAt) > TRANSMISSION_TOLERANCE_MS) return null;
    // Checked before any fetch: a URL elsewhere is refused without our server ever calling it.
    if (!isAllowedLocation(transmission.certUrl, options.certificateLocations)) return null;
    const event = parseEvent(rawBody);
    const webhookIds = await options.webhookIds();
    if (!event || webhookIds.length === 0) return null;

    let certificate: CachedCertificate;
    try {
      certificate = await certificateAt(transmission.certUrl);
    } catch (error) {
      if (!(error instanceof CertificateUnavailable)) return null;
      const verified = await verifiedByPostback(transmission, rawBody, event, webhookIds, error);
      return verified ? { provider: 'paypal', eventId: event.id, type: event.event_type, payloadJson: rawBody } : null;
    }
    if (now() < certificate.validFrom || now() > certificate.validTo) return null;
    if (certificate.publicKey.asymmetricKeyType !== 'rsa') return null;

    const signature = Buffer.from(transmission.signature, 'base64');
    const signedBy = (webhookId: string) => {
      try {
        return crypto.verify('sha256', Buffer.from(signedMessage(transmission, webhookId, rawBody)), certificate.publicKey, signature);
      } catch {
        return false;
      }
    };
    if (!webhookIds.some(signedBy)) return null;
    return { provider: 'paypal', eventId: event.id, type: event.event_type, payloadJson: rawBody };
  };
}

/*
 * Classification. The fields read here, as PayPal's JSON names them: the server SDK's models are
 * camel-cased translations of API responses, not the snake_case events a webhook delivers.
 */

interface PaypalLink {
  href: string;
  rel: string;
}
interface OrderResource {
  id?: string;
}
interface CaptureResource {
  id?: string;
  supplementary_data?: { related_ids?: { order_id?: string } };
}
/** PAYMENT.CAPTURE.REFUNDED and .REVERSED carry a refund, which names its capture only by its `up` link. */
interface RefundResource {
  id?: string;
  links?: PaypalLink[];
  supplementary_data?: { related_ids?: { order_id?: string } };
}
interface DisputeResource {
  dispute_id?: string;
  disputed_transactions?: { seller_transaction_id?: string }[];
}
/** BILLING.SUBSCRIPTION.*: the subscription, which names our account in `custom_id`. */
interface SubscriptionResource {
  id?: string;
  custom_id?: string;
}
/**
 * PAYMENT.SALE.*: a subscription's payment (Payments v1), naming the subscription as its
 * `billing_agreement_id` and usually our account as `custom` (its subscription's custom_id). A
 * refund or reversal of one is a refund resource instead, which names its sale as `sale_id`
 * (PayPal's published PAYMENT.SALE.REFUNDED sample) or nothing but itself (its .REVERSED sample);
 * its `parent_payment` is a v1 payment (`PAY-…`), never the subscription.
 */
interface SaleResource {
  id?: string;
  billing_agreement_id?: string;
  custom?: string;
  sale_id?: string;
}
interface PaypalEventPayload<R> {
  id: string;
  event_type: string;
  resource?: R;
}

/**
 * What an event is about, in PayPal's ids. Refunds, reversals and disputes name a capture, not
 * the order Billfold's payments are keyed by (PayPal's refund and dispute resources carry no
 * order id; neither does the sandbox's), so their order is found by reading the capture. A
 * subscription's events name it and our account; its payments (sales) name it, and refunds of
 * them name only the sale, or themselves, so the rest is read from PayPal.
 */
export type PaypalEventSubject =
  | { kind: 'payment'; orderId: string }
  | { kind: 'refund'; refundId: string; captureId: string; orderId: string | null }
  | { kind: 'dispute'; disputeId: string; captureId: string }
  /** `customerId` null: a subscription made outside Billfold (no custom_id), which Billfold ignores. */
  | { kind: 'subscription'; subscriptionId: string; customerId: string | null }
  /** A subscription's payment; `subscriptionId` null: a sale that pays no subscription, which Billfold never makes. */
  | { kind: 'sale'; saleId: string; subscriptionId: string | null; customerId: string | null }
  /** A refund or reversal of a subscription's payment, which names its sale or only itself. */
  | { kind: 'sale_refund'; refundId: string; saleId: string | null };

/** A known event type without what it must carry: a change at PayPal to look at, not an event to skip. */
export class MalformedPaypalEventError extends Error {
  constructor(type: string, eventId: string, missing: string) {
    super(`PayPal event ${eventId} (${type}) has no ${missing}`);
    this.name = 'MalformedPaypalEventError';
  }
}

type SubjectOf = (event: PaypalEventPayload<unknown>) => PaypalEventSubject;

function required(event: PaypalEventPayload<unknown>, value: string | undefined, what: string): string {
  if (!value) throw new MalformedPaypalEventError(event.event_type, event.id, what);
  return value;
}

const onOrder: SubjectOf = (event) => {
  const order = event.resource as OrderResource | undefined;
  return { kind: 'payment', orderId: required(event, order?.id, 'resource.id') };
};

/** Every capture Billfold makes is an order's, so it names the order (Orders v2 sets related_ids.order_id). */
const onCapture: SubjectOf = (event) => {
  const capture = event.resource as CaptureResource | undefined;
  return { kind: 'payment', orderId: required(event, capture?.supplementary_data?.related_ids?.order_id, 'resource.supplementary_data.related_ids.order_id') };
};

/** The `up` link of a refund: `https://api-m.paypal.com/v2/payments/captures/<capture id>`. */
const CAPTURE_PATH = /\/v2\/payments\/captures\/([A-Za-z0-9]+)$/;

const onRefund: SubjectOf = (event) => {
  const refund = event.resource as RefundResource | undefined;
  const up = refund?.links?.find((link) => link.rel === 'up')?.href;
  const captureId = up ? CAPTURE_PATH.exec(up)?.[1] : undefined;
  return {
    kind: 'refund',
    refundId: required(event, refund?.id, 'resource.id'),
    captureId: required(event, captureId, "resource.links 'up' to its capture"),
    orderId: refund?.supplementary_data?.related_ids?.order_id ?? null,
  };
};

/** A Billfold order has one capture, so a dispute is about the first transaction it names. */
const onDispute: SubjectOf = (event) => {
  const dispute = event.resource as DisputeResource | undefined;
  return {
    kind: 'dispute',
    disputeId: required(event, dispute?.dispute_id, 'resource.dispute_id'),
    captureId: required(event, dispute?.disputed_transactions?.[0]?.seller_transaction_id, 'resource.disputed_transactions[0].seller_transaction_id'),
  };
};

/** A subscription's events name it, and our account as its custom_id (absent: not Billfold's). */
const onSubscription: SubjectOf = (event) => {
  const subscription = event.resource as SubscriptionResource | undefined;
  return { kind: 'subscription', subscriptionId: required(event, subscription?.id, 'resource.id'), customerId: subscription?.custom_id ?? null };
};

const onSale: SubjectOf = (event) => {
  const sale = event.resource as SaleResource | undefined;
  return { kind: 'sale', saleId: required(event, sale?.id, 'resource.id'), subscriptionId: sale?.billing_agreement_id ?? null, customerId: sale?.custom ?? null };
};

/**
 * A refund or reversal of a sale. PayPal's simulator sends a sale instead (naming its
 * subscription), which is classified as the sale it is.
 */
const onSaleRefund: SubjectOf = (event) => {
  const refund = event.resource as SaleResource | undefined;
  if (refund?.billing_agreement_id) return onSale(event);
  return { kind: 'sale_refund', refundId: required(event, refund?.id, 'resource.id'), saleId: refund?.sale_id ?? null };
};

/** One small classifier per event type Billfold acts on; every other type is stored and ignored. */
const SUBJECTS: Readonly<Record<string, SubjectOf>> = {
  // Approved: the buyer's browser may never come back to capture (PayPal's onApprove not firing), so the order is re-read.
  'CHECKOUT.ORDER.APPROVED': onOrder,
  'CHECKOUT.ORDER.COMPLETED': onOrder,
  'PAYMENT.CAPTURE.COMPLETED': onCapture,
  'PAYMENT.CAPTURE.PENDING': onCapture,
  'PAYMENT.CAPTURE.DENIED': onCapture,
  'PAYMENT.CAPTURE.DECLINED': onCapture,
  'PAYMENT.CAPTURE.REFUNDED': onRefund,
  // A dispute taking the money back: its resource is a refund too (sandbox/paypal/capture-reversal.ts).
  'PAYMENT.CAPTURE.REVERSED': onRefund,
  'CUSTOMER.DISPUTE.CREATED': onDispute,
  'CUSTOMER.DISPUTE.UPDATED': onDispute,
  'CUSTOMER.DISPUTE.RESOLVED': onDispute,
  // Every change to a subscription is re-read whole: its status, its period, its balance.
  'BILLING.SUBSCRIPTION.CREATED': onSubscription,
  'BILLING.SUBSCRIPTION.ACTIVATED': onSubscription,
  'BILLING.SUBSCRIPTION.UPDATED': onSubscription,
  'BILLING.SUBSCRIPTION.SUSPENDED': onSubscription,
  'BILLING.SUBSCRIPTION.CANCELLED': onSubscription,
  'BILLING.SUBSCRIPTION.EXPIRED': onSubscription,
  'BILLING.SUBSCRIPTION.RE-ACTIVATED': onSubscription,
  'BILLING.SUBSCRIPTION.PAYMENT.FAILED': onSubscription,
  // A subscription's payments are its invoices: its subscription is re-read with them.
  'PAYMENT.SALE.COMPLETED': onSale,
  'PAYMENT.SALE.PENDING': onSale,
  'PAYMENT.SALE.DENIED': onSale,
  'PAYMENT.SALE.REFUNDED': onSaleRefund,
  'PAYMENT.SALE.REVERSED': onSaleRefund,
};

/** Every event type Billfold acts on: the webhook registered at PayPal must send each (the go-live check asks). */
export const PAYPAL_HANDLED_EVENT_TYPES: readonly string[] = Object.keys(SUBJECTS);

/** What a stored PayPal event is about, in PayPal's ids; null for a type Billfold does not act on. */
export function paypalEventSubject(stored: { type: string; payload: unknown }): PaypalEventSubject | null {
  const subjectOf = Object.hasOwn(SUBJECTS, stored.type) ? SUBJECTS[stored.type] : undefined;
  if (!subjectOf) return null;
  // The payload is the body this module verified before it was stored.
  const event = stored.payload as PaypalEventPayload<unknown>;
  return subjectOf({ ...event, event_type: stored.type });
}

/**
 * What classification may have to read from PayPal, for events that do not carry it: injected,
 * so the wiring (index.ts) reads through the app's client and a test can count the reads.
 */
export interface PaypalEventLookups {
  /** The order of a capture: GET /v2/payments/captures/{id} → supplementary_data.related_ids.order_id. */
  orderOfCapture(captureId: string): Promise<string>;
  /** The subscription a sale paid: GET /v1/payments/sale/{id} → billing_agreement_id; null for a sale that paid none. */
  subscriptionOfSale(saleId: string): Promise<string | null>;
  /** The sale a refund gave money back from: GET /v1/payments/refund/{id} → sale_id. */
  saleOfRefund(refundId: string): Promise<string>;
  /** Our account on a subscription: GET /v1/billing/subscriptions/{id} → custom_id; null when it has none (not Billfold's). */
  accountOfSubscription(subscriptionId: string): Promise<string | null>;
}

/** A subscription event, about our account's subscription; null when the subscription is not Billfold's. */
function subscriptionAction(subscriptionId: string, customerId: string | null): WebhookAction | null {
  return customerId ? { kind: 'subscription', customerId, subscriptionId } : null;
}

/**
 * A subscription's payment: its subscription, re-read with its invoices. The account is the
 * sale's `custom` when it carries it, else read from the subscription. A sale that pays no
 * subscription was not made by Billfold (it makes no other v1 sales): ignored.
 */
async function saleAction(subject: { subscriptionId: string | null; customerId: string | null }, lookups: PaypalEventLookups): Promise<WebhookAction | null> {
  if (!subject.subscriptionId) return null;
  return subscriptionAction(subject.subscriptionId, subject.customerId ?? (await lookups.accountOfSubscription(subject.subscriptionId)));
}

/**
 * A refund names its sale (or, a reversal, only itself): the sale's subscription and account are
 * read from PayPal. It is the invoice's refund (the sale is the invoice to Billfold), re-read with
 * the refund itself, since the subscription's transactions do not say how much a partial refund gave back.
 */
async function saleRefundAction(subject: { refundId: string; saleId: string | null }, lookups: PaypalEventLookups): Promise<WebhookAction | null> {
  const saleId = subject.saleId ?? (await lookups.saleOfRefund(subject.refundId));
  const subscription = await saleAction({ subscriptionId: await lookups.subscriptionOfSale(saleId), customerId: null }, lookups);
  if (subscription?.kind !== 'subscription') return subscription;
  return { kind: 'invoice_refund', customerId: subscription.customerId, invoiceId: saleId, refundId: subject.refundId };
}

/**
 * Every event type Billfold acts on, reading from PayPal (`lookups`) what an event does not
 * carry: a refund's or a dispute's order, a sale refund's subscription, a sale's account.
 */
export async function classifyPaypalEvent(stored: { type: string; payload: unknown }, lookups: PaypalEventLookups): Promise<WebhookAction | null> {
  const subject = paypalEventSubject(stored);
  if (!subject) return null;
  switch (subject.kind) {
    case 'payment':
      return { kind: 'payment', paymentId: subject.orderId };
    case 'refund':
      return { kind: 'refund', paymentId: subject.orderId ?? (await lookups.orderOfCapture(subject.captureId)), refundId: subject.refundId };
    case 'dispute':
      return { kind: 'dispute', paymentId: await lookups.orderOfCapture(subject.captureId), disputeId: subject.disputeId };
    case 'subscription':
      return subscriptionAction(subject.subscriptionId, subject.customerId);
    case 'sale':
      return saleAction(subject, lookups);
    case 'sale_refund':
      return saleRefundAction(subject, lookups);
  }
}

/** A webhook as PayPal's GET /v1/notifications/webhooks lists it. */
export interface PaypalWebhook {
  id: string;
  url: string;
  event_types: { name: string }[];
}

export interface PaypalWebhookRegistrations {
  /** GET /v1/notifications/webhooks: the app's webhooks. */
  list(): Promise<PaypalWebhook[]>;
  /** The variable the accepted webhook id is configured in (PAYPAL_WEBHOOK_ID, or the sandbox's). */
  variable: string;
}

/** The app's webhooks at PayPal for `url`, and the ids Billfold accepts deliveries for (`webhookIds`). */
export async function paypalWebhookRegistration(url: string, options: Pick<PaypalWebhooksOptions, 'webhookIds'> & { registrations: PaypalWebhookRegistrations }): Promise<WebhookRegistration> {
  const webhooks = await options.registrations.list();
  const endpoints = webhooks
    .filter((webhook) => webhook.url.replace(/\/+$/, '') === url.replace(/\/+$/, ''))
    .map((webhook) => {
      const names = webhook.event_types.map((type) => type.name);
      // PayPal has no disabled webhooks: a registered one is sent to.
      return { id: webhook.id, enabled: true, eventTypes: names.includes('*') ? null : names };
    });
  return {
    endpoints,
    handledEventTypes: PAYPAL_HANDLED_EVENT_TYPES,
    verification: { kind: 'webhook_id', variable: options.registrations.variable, configured: await options.webhookIds() },
  };
}

/** PayPal's webhooks: offline verification (with the postback as fallback), classification, and what is registered. */
export function paypalWebhooks(options: PaypalWebhooksOptions & { lookups: PaypalEventLookups; registrations?: PaypalWebhookRegistrations }): WebhooksApi {
  const { registrations } = options;
  return {
    verify: paypalWebhookVerifier(options),
    classify: (stored) => classifyPaypalEvent(stored, options.lookups),
    ...(registrations ? { registration: (url: string) => paypalWebhookRegistration(url, { webhookIds: options.webhookIds, registrations }) } : {}),
  };
}
