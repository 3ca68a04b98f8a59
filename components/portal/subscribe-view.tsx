'use client';

import { useState } from 'react';
import { startSubscription } from '@/app/(shop)/subscribe/actions';
import { useOwnDocument } from '@/components/checkout/use-own-document';
import { BesideTheCard, type ButtonMessage } from '@/components/payments/beside-the-card';
import { CardStep } from '@/components/payments/card-step';
import { SubscriptionApprovalStep } from '@/components/payments/subscription-approval-step';
import type { PaymentBrowserConfig } from '@/lib/payments/browser';
import { PROVIDER_LABELS, type PaymentProviderName } from '@/lib/payments/types';
import { Activation } from './activation';

interface SubscribeViewProps {
  lookupKey: string;
  /** Minor units charged today (zero with a trial): what the card form is set up for. */
  amountToday: number;
  currency: string;
  submitLabel: string;
  browser: PaymentBrowserConfig;
  /** Providers whose own button subscribes beside the card form (PayPal). */
  approvals: PaymentBrowserConfig[];
  /** Back from a provider redirect with the first payment done. */
  returned: boolean;
}

const ACTIVE = ['active', 'trialing'] as const;

/** Subscribed meanwhile (say, in another tab): the one subscription is in the portal. */
function toPortalIfSubscribed({ code }: { code: string }): boolean {
  if (code !== 'already_subscribed') return false;
  // A full page load: the portal brings its own Content-Security-Policy and payment script.
  window.location.assign(new URL('/account/billing?notice=already-subscribed', window.location.origin).toString());
  return true;
}

/**
 * The provider buttons and the card form, then the honest wait. Nothing exists at a provider
 * until the customer commits: a complete card and Subscribe, or a click on a provider's button.
 * Then the server makes (or finds) the subscription with that provider and the browser confirms
 * its first payment, saves the card for a trial, or has the buyer approve it in the provider's
 * window; the page waits for the provider's webhook before it opens the portal.
 */
export function SubscribeView({ lookupKey, amountToday, currency, submitLabel, browser, approvals, returned }: SubscribeViewProps) {
  useOwnDocument();
  const [confirmed, setConfirmed] = useState<PaymentProviderName | 'card' | null>(returned ? 'card' : null);
  const [message, setMessage] = useState<ButtonMessage | null>(null);

  if (confirmed) {
    return (
      <Activation
        until={ACTIVE}
        destination="/account/billing?notice=subscribed"
        title="Activating your subscription…"
        detail={confirmed === 'card' ? 'Our payment provider has your card.' : `${PROVIDER_LABELS[confirmed]} has your approval.`}
      />
    );
  }
  return (
    <>
      {approvals.length > 0 ? (
        <BesideTheCard message={message}>
          {approvals.map((config) => (
            <SubscriptionApprovalStep
              key={config.provider}
              browser={config}
              createSubscription={async () => {
                const result = await startSubscription({ lookupKey, provider: config.provider });
                if (!result.ok) return result;
                if (result.data.step !== 'approval' || result.data.handoff.kind !== 'approval') throw new Error(`${config.provider} answered a subscription without an approval step`);
                return { ok: true, data: { subscriptionId: result.data.handoff.providerOrderId } };
              }}
              onRefused={toPortalIfSubscribed}
              onApproved={() => setConfirmed(config.provider)}
              onMessage={setMessage}
            />
          ))}
        </BesideTheCard>
      ) : null}
      <CardStep
        browser={browser}
        collect={{ mode: 'subscription', amount: amountToday, currency }}
        submitLabel={submitLabel}
        prepare={async () => {
          const result = await startSubscription({ lookupKey, provider: browser.provider });
          if (!result.ok) return result;
          const { step, handoff } = result.data;
          if (step === 'approval') throw new Error(`${browser.provider} answered the card form with an approval step`);
          return { ok: true, data: { step, handoff } };
        }}
        onRefused={toPortalIfSubscribed}
        onConfirmed={() => setConfirmed('card')}
        returnUrl={() => `${window.location.origin}/subscribe/${encodeURIComponent(lookupKey)}`}
      />
    </>
  );
}
