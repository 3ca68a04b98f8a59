'use client';

import { useEffect, useState } from 'react';
import { payOpenInvoice } from '@/app/(account)/account/billing/actions';
import { useOwnDocument } from '@/components/checkout/use-own-document';
import { CardStep } from '@/components/payments/card-step';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { formatMoney } from '@/lib/money';
import type { PaymentBrowserConfig } from '@/lib/payments/browser';
import type { PaymentHandoff } from '@/lib/payments/types';
import { Activation } from './activation';

const ACTIVE = ['active', 'trialing'] as const;

/**
 * Update card and pay: the open invoice's own payment, confirmed in the browser with a card typed
 * here (3-D Secure included). The server then makes that card the default for renewals.
 */
export function PayInvoice({ browser }: { browser: PaymentBrowserConfig }) {
  useOwnDocument();
  const [payment, setPayment] = useState<{ handoff: PaymentHandoff; label: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [paid, setPaid] = useState(false);

  useEffect(() => {
    let stale = false;
    void payOpenInvoice({}).then(
      (result) => {
        if (stale) return;
        if (result.ok) setPayment({ handoff: result.data.handoff, label: `Pay ${formatMoney(result.data.amountDue)}` });
        else setError(result.error);
      },
      () => !stale && setError('We could not reach our server. Check your connection and try again.'),
    );
    return () => {
      stale = true;
    };
  }, [attempt]);

  if (paid) return <Activation until={ACTIVE} destination="/account/billing?notice=paid" title="Confirming your payment…" detail="Our payment provider has your card." />;
  if (error) {
    return (
      <div className="space-y-3">
        <Alert>{error}</Alert>
        <Button
          type="button"
          variant="secondary"
          onClick={() => {
            setError(null);
            setAttempt((count) => count + 1);
          }}
        >
          Try again
        </Button>
      </div>
    );
  }
  if (!payment) return <p className="text-sm text-stone-500">Loading the invoice…</p>;
  return (
    <CardStep
      browser={browser}
      collect={{ handoff: payment.handoff }}
      submitLabel={payment.label}
      prepare={async () => ({ ok: true, data: { step: 'payment', handoff: payment.handoff } })}
      onConfirmed={() => setPaid(true)}
      returnUrl={() => `${window.location.origin}/account/billing/pay`}
    />
  );
}
