'use client';

import { useState } from 'react';
import { startSubscription } from '@/app/(shop)/subscribe/actions';
import { useOwnDocument } from '@/components/checkout/use-own-document';
import { CardStep } from '@/components/payments/card-step';
import type { PaymentBrowserConfig } from '@/lib/payments/browser';
import { Activation } from './activation';

interface SubscribeViewProps {
  lookupKey: string;
  /** Minor units charged today (zero with a trial): what the card form is set up for. */
  amountToday: number;
  currency: string;
  submitLabel: string;
  browser: PaymentBrowserConfig;
  /** Back from a provider redirect with the first payment done. */
  returned: boolean;
}

const ACTIVE = ['active', 'trialing'] as const;

/**
 * The card form, then the honest wait. Nothing exists at the provider until the customer presses
 * Subscribe with a complete card: then the server makes (or finds) the subscription and the
 * browser confirms its first payment, or for a trial saves the card.
 */
export function SubscribeView({ lookupKey, amountToday, currency, submitLabel, browser, returned }: SubscribeViewProps) {
  useOwnDocument();
  const [confirmed, setConfirmed] = useState(returned);

  if (confirmed) return <Activation until={ACTIVE} destination="/account/billing?notice=subscribed" title="Activating your subscription…" />;
  return (
    <CardStep
      browser={browser}
      collect={{ mode: 'subscription', amount: amountToday, currency }}
      submitLabel={submitLabel}
      prepare={async () => {
        const result = await startSubscription({ lookupKey });
        return result.ok ? { ok: true, data: { step: result.data.step, handoff: result.data.handoff } } : result;
      }}
      onRefused={({ code }) => {
        // Subscribed meanwhile, say in another tab: the one subscription is in the portal.
        if (code !== 'already_subscribed') return false;
        // A full page load: the portal brings its own Content-Security-Policy and payment script.
        window.location.assign(new URL('/account/billing?notice=already-subscribed', window.location.origin).toString());
        return true;
      }}
      onConfirmed={() => setConfirmed(true)}
      returnUrl={() => `${window.location.origin}/subscribe/${encodeURIComponent(lookupKey)}`}
    />
  );
}
