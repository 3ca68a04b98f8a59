import type {
  Components,
  CreateInstanceOptions,
  OnApproveDataOneTimePayments,
  OnApproveDataSubscriptions,
  PayPalOneTimePaymentSessionOptions,
  PayPalSubscriptionSessionOptions,
  PayPalV6Namespace,
} from '@paypal/paypal-js/sdk-v6';
import { eligibilityOutput, SANDBOX_ELIGIBILITY } from './eligibility';
import { definePayPalButton } from './paypal-button';
import { ApprovalSession, type ApprovalKind } from './payment-session';

/**
 * The Billfold sandbox's stand-in for PayPal's JS SDK v6 (`/web-sdk/v6/core`), served by the
 * sandbox at `/paypal/web-sdk/v6/core`.
 *
 * Why v6 and not v5. `@paypal/react-paypal-js` 10.5.2 ships both: the v6 components
 * (`@paypal/react-paypal-js/sdk-v6`: PayPalProvider, PayPalOneTimePaymentButton,
 * PayPalSubscriptionButton and their hooks), which its README documents first, and the v5
 * PayPalScriptProvider/PayPalButtons it calls legacy. v6 is what PayPal builds on now (browser
 * client tokens minted by the merchant's server, presentation modes with a redirect flow and
 * resume), and it renders its button as a custom element in the page rather than a zoid iframe,
 * so there is no cross-frame machinery to imitate and no "zoid destroyed all components" when
 * React mounts twice. v6 has no base-URL option, but its loader (`loadCoreSdkScript` in
 * `@paypal/paypal-js/sdk-v6`) uses an existing `window.paypal` whose `version` starts with "6"
 * instead of injecting PayPal's script: this file, loaded by a <script> placed before the
 * React bundle, defines that namespace, as the Stripe.js stand-in defines `window.Stripe`
 * before `@stripe/stripe-js` looks. That short-circuit changed between paypal-js 11.2.0
 * (`window.paypal?.version.startsWith("6")`, which throws on a namespace without a version)
 * and 11.3.0 (a v6 namespace is recognised by a string version starting with "6", anything
 * else is ignored and PayPal's script is loaded): package.json pins 11.3.0 with an npm
 * override, and sandbox/paypal/tests/js-sdk.test.ts fails if an upgrade stops the stand-in
 * being picked up.
 *
 * How Billfold's checkout includes it (issue 13). In sandbox mode only, the checkout page
 * renders, before its own scripts, `<script src="<sandbox>/paypal/web-sdk/v6/core"
 * nonce="<the page's CSP nonce>"></script>` (a plain classic script, not async or defer, so
 * `window.paypal` exists before the React bundle runs), and lists the sandbox's origin in the
 * CSP's script-src. PayPalProvider then gets `environment="sandbox"` and the client token the
 * server minted at the sandbox (`POST /paypal/v1/oauth2/token` with
 * `response_type=client_token`). With real credentials the page renders no such tag, the
 * stand-in is never served, and PayPalProvider loads PayPal's own SDK.
 *
 * What it implements is what the React components and hooks call, read from their code:
 * `createInstance` → `findEligibleMethods`, `hydrateEligibleMethods`, `updateLocale`,
 * `updateClientToken`, `createPayPalOneTimePaymentSession` (component "paypal-payments") and
 * `createPayPalSubscriptionPaymentSession` ("paypal-subscriptions"); sessions with `start`,
 * `cancel`, `destroy`, `hasReturned`, `resume` (payment-session.ts); the `<paypal-button>`
 * element (paypal-button.ts). Not emulated: Venmo, Pay Later, PayPal Credit, card fields,
 * saving a payment method (vault), messages, shipping callbacks; their factories are absent or
 * throw, and eligibility reports only PayPal.
 *
 * The base URL (for the approval pages) comes from this script's own src, so it works under
 * any sandbox origin.
 */

/** A version the loader accepts ("6…"); the sandbox marker says whose it is. */
const VERSION = '6.0.0';

function scriptBase(): string {
  const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : document.querySelector<HTMLScriptElement>('script[src*="/web-sdk/v6/core"]');
  if (!script?.src) throw new Error('The PayPal sandbox SDK must be loaded by a <script src=".../paypal/web-sdk/v6/core"> tag.');
  const url = new URL(script.src);
  return `${url.origin}${url.pathname.replace(/\/web-sdk\/v6\/core\/?$/, '')}`;
}

const ORDER: ApprovalKind<OnApproveDataOneTimePayments> = {
  idField: 'orderId',
  approvalPath: (id) => `checkoutnow?token=${encodeURIComponent(id)}`,
  modes: ['auto', 'popup', 'modal', 'payment-handler', 'redirect', 'direct-app-switch'],
  redirectModes: ['redirect', 'direct-app-switch'],
  approveData: (orderId, payerId) => ({ orderId, fundingSource: 'paypal', ...(payerId ? { payerId } : {}) }),
};

/**
 * PayPal's subscription session knows only the subscription id and PayPal finds its approval
 * page (the `ba_token` link of the subscription's `approve` link) itself; the sandbox's page
 * accepts the subscription id directly. The v6 types give subscriptions no redirect mode.
 */
const SUBSCRIPTION: ApprovalKind<OnApproveDataSubscriptions> = {
  idField: 'subscriptionId',
  approvalPath: (id) => `webapps/billing/subscriptions?subscription_id=${encodeURIComponent(id)}`,
  modes: ['auto', 'popup', 'modal', 'payment-handler'],
  redirectModes: [],
  approveData: (subscriptionId, payerId) => ({ subscriptionId, fundingSource: 'paypal', ...(payerId ? { payerId } : {}) }),
};

function notEmulated(factory: string): () => never {
  return () => {
    throw new Error(`${factory} is not emulated by the Billfold PayPal sandbox.`);
  };
}

function createInstance(base: string) {
  return async <T extends readonly Components[]>(options: CreateInstanceOptions<T>) => {
    const clientToken: unknown = options.clientToken;
    const clientId: unknown = options.clientId;
    const hasToken = typeof clientToken === 'string' && clientToken !== '';
    const hasId = typeof clientId === 'string' && clientId !== '';
    if (hasToken === hasId) throw new Error('createInstance needs exactly one of clientToken or clientId, a non-empty string.');
    if (!Array.isArray(options.components)) throw new Error('createInstance needs a components array, such as ["paypal-payments"].');
    const components = new Set<string>(options.components);
    let locale = options.locale;
    const instance = {
      findEligibleMethods: () => Promise.resolve(eligibilityOutput(SANDBOX_ELIGIBILITY)),
      hydrateEligibleMethods: eligibilityOutput,
      updateLocale: (next: string) => {
        locale = next;
      },
      updateClientToken: (token: string) => {
        if (!hasToken) throw new Error('updateClientToken: this instance was created with a clientId.');
        if (typeof token !== 'string' || token === '') throw new Error('updateClientToken needs a client token.');
      },
      /** Which locale the instance was given (the approval page is English either way). */
      get locale() {
        return locale;
      },
    };
    if (components.has('paypal-payments')) {
      Object.assign(instance, {
        createPayPalOneTimePaymentSession: (session: PayPalOneTimePaymentSessionOptions) =>
          sessionApi(new ApprovalSession(base, ORDER, session, session.orderId)),
        createPayPalSavePaymentSession: notEmulated('createPayPalSavePaymentSession'),
        createPayLaterOneTimePaymentSession: notEmulated('createPayLaterOneTimePaymentSession'),
        createPayPalCreditOneTimePaymentSession: notEmulated('createPayPalCreditOneTimePaymentSession'),
        createPayPalCreditSavePaymentSession: notEmulated('createPayPalCreditSavePaymentSession'),
      });
    }
    if (components.has('paypal-subscriptions')) {
      Object.assign(instance, {
        createPayPalSubscriptionPaymentSession: (session: PayPalSubscriptionSessionOptions) =>
          sessionApi(new ApprovalSession(base, SUBSCRIPTION, session)),
      });
    }
    return instance;
  };
}

/** The session's public methods, bound (pages pass them around as callbacks). */
function sessionApi<Approve>(session: ApprovalSession<Approve>) {
  return {
    start: session.start.bind(session),
    cancel: session.cancel.bind(session),
    destroy: session.destroy.bind(session),
    hasReturned: session.hasReturned.bind(session),
    resume: session.resume.bind(session),
  };
}

function install(): void {
  const base = scriptBase();
  definePayPalButton();
  const namespace = (document.currentScript as HTMLScriptElement | null)?.dataset.namespace ?? 'paypal';
  // SdkInstance's type depends on the components array at compile time; the stand-in adds the
  // factories at run time, so its createInstance is the SDK's only through unknown.
  const sdk = { version: VERSION, createInstance: createInstance(base) as unknown as PayPalV6Namespace['createInstance'], sandbox: { base } } satisfies PayPalV6Namespace & { sandbox: { base: string } };
  Object.assign(window, { [namespace]: sdk });
}

install();
