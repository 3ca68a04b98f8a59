import { db } from '@/db/client';
import { getCurrentUser } from '@/lib/auth/guards';
import { portalCapabilities } from '@/lib/billing/subscription-context';
import { billingAlertFor, type BillingAlert } from '@/lib/billing/subscriptions';
import { PROVIDER_LABELS } from '@/lib/payments/types';

const TONES = {
  past_due: 'border-red-200 bg-red-50 text-red-800',
  action_required: 'border-amber-200 bg-amber-50 text-amber-900',
  trial_ending: 'border-brand-100 bg-brand-50 text-brand-700',
  collecting_at_provider: 'border-red-200 bg-red-50 text-red-800',
} as const;

interface BannerAction {
  href: string;
  label: string;
  /** At the provider: opens in a new tab, so the subscriber comes back to pay. */
  external?: boolean;
}

/** What the subscriber does about the alert: one action, and for a balance owed at a provider, fixing it there first. */
function actionsFor(alert: BillingAlert): BannerAction[] {
  switch (alert.kind) {
    case 'past_due':
      return [{ href: '/account/billing/pay', label: 'Update card and pay' }];
    case 'action_required':
      return [{ href: '/account/billing/pay', label: 'Confirm the payment' }];
    case 'trial_ending':
      return [{ href: '/account/billing', label: 'Review your plan' }];
    case 'collecting_at_provider': {
      const fundingUrl = portalCapabilities(alert.provider).fundingUrl;
      const pay = { href: '/account/billing#balance', label: 'Pay the balance' };
      return fundingUrl ? [{ href: fundingUrl, label: `Fix it at ${PROVIDER_LABELS[alert.provider]}`, external: true }, pay] : [pay];
    }
  }
}

/** Shown on every page to a signed-in subscriber whose billing needs them: one line, and what to do about it. */
export async function BillingBanner() {
  const user = await getCurrentUser();
  if (!user) return null;
  const alert = await billingAlertFor(db, user.id);
  if (!alert) return null;
  return (
    <div role={alert.kind === 'trial_ending' ? 'status' : 'alert'} data-testid="billing-banner" className={`border-b ${TONES[alert.kind]}`}>
      <p className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-3 gap-y-1 px-4 py-2.5 text-sm sm:px-6">
        <span>{alert.message}</span>
        {actionsFor(alert).map((action) => (
          // A full page load: the payment pages bring their own Content-Security-Policy and payment script.
          <a
            key={action.href}
            href={action.href}
            className="font-semibold underline underline-offset-2"
            {...(action.external ? { target: '_blank', rel: 'noopener noreferrer' } : {})}
          >
            {action.label}
            {action.external ? <span className="sr-only"> (opens in a new tab)</span> : null}
          </a>
        ))}
      </p>
    </div>
  );
}
