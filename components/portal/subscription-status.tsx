import type { SubscriptionStatus } from '@/lib/payments/types';

/** Every status a subscription can have, in a subscriber's words. */
export const STATUS_LABELS: { [status in SubscriptionStatus]: { text: string; tone: string } } = {
  incomplete: { text: 'Awaiting first payment', tone: 'bg-amber-50 text-amber-800' },
  incomplete_expired: { text: 'Never started (first payment not completed)', tone: 'bg-stone-100 text-stone-600' },
  trialing: { text: 'Free trial', tone: 'bg-brand-50 text-brand-700' },
  active: { text: 'Active', tone: 'bg-brand-50 text-brand-700' },
  past_due: { text: 'Payment overdue', tone: 'bg-red-50 text-red-700' },
  unpaid: { text: 'Unpaid', tone: 'bg-red-50 text-red-700' },
  canceled: { text: 'Canceled', tone: 'bg-stone-100 text-stone-600' },
  paused: { text: 'Paused', tone: 'bg-stone-100 text-stone-700' },
};

export function SubscriptionStatusBadge({ status }: { status: SubscriptionStatus }) {
  const label = STATUS_LABELS[status];
  return (
    <span data-testid="subscription-status" className={`inline-flex rounded-full px-2.5 py-0.5 text-xs font-medium ${label.tone}`}>
      {label.text}
    </span>
  );
}
