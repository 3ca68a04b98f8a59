'use client';

import type { Components, OnErrorData } from '@paypal/paypal-js/sdk-v6';
import { PayPalOneTimePaymentButton, PayPalProvider } from '@paypal/react-paypal-js/sdk-v6';
import { useEffect, useRef, useState } from 'react';
import type { PaymentBrowserConfig } from '@/lib/payments/browser';
import { NOT_CHARGED } from '../messages';
import type { ApprovalButtonProps } from '../pieces';
import { sandboxScript } from '../sandbox-script';

/**
 * PayPal's button (the v6 JS SDK through `@paypal/react-paypal-js/sdk-v6`) beside the card form.
 * A click asks our server for the PayPal order of this checkout's order (never an amount from
 * here); the buyer approves in PayPal's popup; our server then captures and reads from PayPal
 * what was taken. What PayPal integrators keep reporting is handled here or on the server:
 * - `onApprove` never firing (popup closed or refocused): the server captures from the
 *   CHECKOUT.ORDER.APPROVED webhook as well, so the order is paid either way;
 * - a funding source declined at capture: the buyer clicks again and picks another in PayPal
 *   (the server hands back the same PayPal order);
 * - loading twice (StrictMode, remounts): the SDK is loaded once per page (PayPalProvider and
 *   the sandbox stand-in both memoise it), and the components list is a module constant.
 */

// One constant array: PayPalProvider reloads the SDK when its components change identity.
const COMPONENTS: Components[] = ['paypal-payments'];

function standInDefined(): boolean {
  const namespace = (window as unknown as { paypal?: { version?: unknown } }).paypal;
  return typeof namespace?.version === 'string' && namespace.version.startsWith('6');
}

/**
 * Whether PayPalProvider may load the SDK: at once with real credentials (its loader fetches
 * PayPal's script), and in sandbox mode once the stand-in the page includes has defined
 * `window.paypal`, which the loader then uses instead of asking PayPal's host.
 */
export function useSdkReady({ scriptUrl, nonce }: PaymentBrowserConfig): 'loading' | 'ready' | 'failed' {
  const [state, setState] = useState<'loading' | 'ready' | 'failed'>(scriptUrl ? 'loading' : 'ready');
  useEffect(() => {
    if (!scriptUrl) return;
    let mounted = true;
    sandboxScript(scriptUrl, nonce, standInDefined).then(
      () => mounted && setState('ready'),
      () => mounted && setState('failed'),
    );
    return () => {
      mounted = false;
    };
  }, [scriptUrl, nonce]);
  return state;
}

/** What stands where PayPal's button will be while its SDK loads, or says it could not (`instead`: what the buyer can do meanwhile). */
export function SdkPlaceholder({ sdk, instead }: { sdk: 'loading' | 'failed'; instead: string }) {
  if (sdk === 'failed') return <p className="text-sm text-stone-600">PayPal could not be loaded. {instead}, or refresh the page to try PayPal again.</p>;
  return <div aria-hidden className="h-[45px] animate-pulse rounded bg-stone-100" />;
}

/** What to tell the buyer when PayPal's window fails (`instead`: the other way to go on). */
export function paypalErrorText(error: OnErrorData, instead: string): string {
  return error.code === 'ERR_POPUP_BLOCKED' ? 'Your browser blocked the PayPal window. Allow pop-ups for this site, then press PayPal again.' : `PayPal ran into a problem. ${NOT_CHARGED} Try PayPal again, or ${instead}.`;
}

export function PaypalApprovalButton({ browser, createPayment, finishPayment, onDone, onMessage }: ApprovalButtonProps) {
  const sdk = useSdkReady(browser);
  const [capturing, setCapturing] = useState(false);
  // Set when our server refused to make the order, whose message is already shown: PayPal's
  // onError that follows must not replace it with a vaguer one.
  const refusedByUs = useRef(false);

  if (sdk !== 'ready') return <SdkPlaceholder sdk={sdk} instead="Pay by card below" />;

  return (
    <PayPalProvider clientId={browser.publicKey} environment={browser.live ? 'production' : 'sandbox'} components={COMPONENTS} pageType="checkout">
      <PayPalOneTimePaymentButton
        // A popup keeps the buyer's checkout (and its card form) where it was; the orders are made
        // without a return address, so there is no redirect to come back from.
        presentationMode="popup"
        disabled={capturing}
        createOrder={async () => {
          refusedByUs.current = false;
          onMessage(null);
          const result = await createPayment();
          if (!result.ok) {
            refusedByUs.current = true;
            onMessage({ tone: 'error', text: result.error });
            throw new Error(result.error);
          }
          return { orderId: result.data.paymentId };
        }}
        onApprove={async ({ orderId }) => {
          setCapturing(true);
          onMessage({ tone: 'info', text: 'Approved in PayPal. Confirming your payment…' });
          // An action that never answered may still have captured, and if it did not, the
          // webhook of the approval will: the order's page shows which, never a false failure.
          const result = await finishPayment(orderId).catch(() => ({ ok: true as const, data: { outcome: 'confirming' as const } }));
          if (!result.ok) {
            setCapturing(false);
            onMessage({ tone: 'error', text: result.error });
            return;
          }
          const { data } = result;
          switch (data.outcome) {
            case 'paid':
            case 'processing':
            case 'confirming':
              onDone();
              return;
            case 'restart':
            case 'refused':
              setCapturing(false);
              onMessage({ tone: 'error', text: data.message });
          }
        }}
        onCancel={() => onMessage({ tone: 'info', text: `You left PayPal before paying. ${NOT_CHARGED} Pay with PayPal or by card when you are ready.` })}
        onError={(error: OnErrorData) => {
          if (refusedByUs.current) return;
          onMessage({ tone: 'error', text: paypalErrorText(error, 'pay by card') });
        }}
      />
    </PayPalProvider>
  );
}
