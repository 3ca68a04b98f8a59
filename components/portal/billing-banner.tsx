import { db } from '@/db/client';
import { getCurrentUser } from '@/lib/auth/guards';
import { billingAlertFor } from '@/lib/billing/subscriptions';

const ACTIONS = {
  past_due: { href: '/account/billing/pay', label: 'Update card and pay', tone: 'border-red-200 bg-red-50 text-red-800' },
  action_required: { href: '/account/billing/pay', label: 'Confirm the payment', tone: 'border-amber-200 bg-amber-50 text-amber-900' },
  trial_ending: { href: '/account/billing', label: 'Review your plan', tone: 'border-brand-100 bg-brand-50 text-brand-700' },
  collecting_at_provider: { href: '/account/billing', label: 'See your plan', tone: 'border-red-200 bg-red-50 text-red-800' },
} as const;

/** Shown on every page to a signed-in subscriber whose billing needs them: one line, one action. */
export async function BillingBanner() {
  const user = await getCurrentUser();
  if (!user) return null;
  const alert = await billingAlertFor(db, user.id);
  if (!alert) return null;
  const action = ACTIONS[alert.kind];
  return (
    <div role={alert.kind === 'trial_ending' ? 'status' : 'alert'} data-testid="billing-banner" className={`border-b ${action.tone}`}>
      <p className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-3 gap-y-1 px-4 py-2.5 text-sm sm:px-6">
        <span>{alert.message}</span>
        {/* A full page load: the payment pages bring their own Content-Security-Policy and payment script. */}
        <a href={action.href} className="font-semibold underline underline-offset-2">
          {action.label}
        </a>
      </p>
    </div>
  );
}
