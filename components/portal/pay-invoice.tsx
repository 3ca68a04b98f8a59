'use client';

import { useEffect, useState } from 'react';
import { payOpenInvoice } from '@/app/(account)/account/billing/actions';
import { useOwnDocument } from '@/components/checkout/use-own-document';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { formatMoney } from '@/lib/money';
import { Activation } from './activation';
import { CardForm } from '@/components/payments/stripe/card-form';

interface PayInvoiceProps {
  publishableKey: string;
  sandboxScriptUrl: string | null;
  nonce: string | undefined;
}

const ACTIVE = ['active', 'trialing'] as const;

/**
 * Update card and pay: the open invoice's own payment, confirmed in the browser with a card typed
 * here (3-D Secure included). The server then makes that card the default for renewals.
 */
export function PayInvoice({ publishableKey, sandboxScriptUrl, nonce }: PayInvoiceProps) {
  useOwnDocument();
  const [payment, setPayment] = useState<{ clientSecret: string; label: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [paid, setPaid] = useState(false);

  useEffect(() => {
    let stale = false;
    void payOpenInvoice({}).then(
      (result) => {
        if (stale) return;
        if (result.ok) setPayment({ clientSecret: result.data.clientSecret, label: `Pay ${formatMoney(result.data.amountDue)}` });
        else setError(result.error);
      },
      () => !stale && setError('We could not reach our server. Check your connection and try again.'),
    );
    return () => {
      stale = true;
    };
  }, [attempt]);

  if (paid) return <Activation until={ACTIVE} destination="/account/billing?notice=paid" title="Confirming your payment…" />;
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
    <CardForm
      publishableKey={publishableKey}
      sandboxScriptUrl={sandboxScriptUrl}
      nonce={nonce}
      collect={{ clientSecret: payment.clientSecret }}
      submitLabel={payment.label}
      prepare={async () => ({ ok: true, data: { intent: 'payment', clientSecret: payment.clientSecret } })}
      onConfirmed={() => setPaid(true)}
      returnUrl={() => `${window.location.origin}/account/billing/pay`}
    />
  );
}
