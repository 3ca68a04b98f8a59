'use client';

import type { Components, OnErrorData } from '@paypal/paypal-js/sdk-v6';
import { PayPalProvider, PayPalSubscriptionButton } from '@paypal/react-paypal-js/sdk-v6';
import { useRef, useState } from 'react';
import { NOT_CHARGED } from '../messages';
import type { SubscriptionButtonProps } from '../pieces';
import { paypalErrorText, SdkPlaceholder, useSdkReady } from './approval-button';

// One constant array: PayPalProvider reloads the SDK when its components change identity.
const COMPONENTS: Components[] = ['paypal-subscriptions'];

/**
 * PayPal's subscription button (the v6 JS SDK) beside the card form. A click asks our server for
 * the account's PayPal subscription to this plan (made there with our ids; never an amount from
 * here); the buyer approves in PayPal's popup and PayPal takes the first payment, or starts the
 * trial. Nothing here decides that the subscription started: the page waits for our server,
 * which learns it from PayPal's BILLING.SUBSCRIPTION.ACTIVATED webhook.
 */
const SUBSCRIBE_WORDING = {
  instead: 'subscribe by card',
  left: `You left PayPal before approving the subscription. ${NOT_CHARGED} Subscribe with PayPal or by card when you are ready.`,
};

export function PaypalSubscriptionButton({ browser, createSubscription, onRefused, onApproved, onMessage, wording = SUBSCRIBE_WORDING }: SubscriptionButtonProps) {
  const sdk = useSdkReady(browser);
  const [approved, setApproved] = useState(false);
  // Set when our server refused to make the subscription, whose message is already shown:
  // PayPal's onError that follows must not replace it with a vaguer one.
  const refusedByUs = useRef(false);

  if (sdk !== 'ready') return <SdkPlaceholder sdk={sdk} instead={wording.instead.charAt(0).toUpperCase() + wording.instead.slice(1)} />;

  return (
    <PayPalProvider clientId={browser.publicKey} environment={browser.live ? 'production' : 'sandbox'} components={COMPONENTS} pageType="checkout">
      <PayPalSubscriptionButton
        presentationMode="popup"
        disabled={approved}
        createSubscription={async () => {
          refusedByUs.current = false;
          onMessage(null);
          const result = await createSubscription();
          if (!result.ok) {
            refusedByUs.current = true;
            if (!onRefused?.(result)) onMessage({ tone: 'error', text: result.error });
            throw new Error(result.error);
          }
          return { subscriptionId: result.data.subscriptionId };
        }}
        onApprove={async () => {
          setApproved(true);
          onApproved();
        }}
        onCancel={() => onMessage({ tone: 'info', text: wording.left })}
        onError={(error: OnErrorData) => {
          if (refusedByUs.current) return;
          onMessage({ tone: 'error', text: paypalErrorText(error, wording.instead) });
        }}
      />
    </PayPalProvider>
  );
}
