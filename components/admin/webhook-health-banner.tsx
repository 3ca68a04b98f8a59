import Link from 'next/link';
import type { WebhookHealth } from '@/lib/billing/admin/webhook-events';

/**
 * The overview's warning about inbound webhooks: any dead event (an effect that never happened
 * until someone re-processes it), or a pending event waiting over a minute (the worker is down
 * or far behind). Nothing when all is well.
 */
export function WebhookHealthBanner({ health }: { health: WebhookHealth }) {
  if (health.dead === 0 && !health.pendingStale) return null;
  const problems: string[] = [];
  if (health.dead > 0) problems.push(`${health.dead} webhook ${health.dead === 1 ? 'event is' : 'events are'} dead: what ${health.dead === 1 ? 'it' : 'they'} reported has not been applied.`);
  if (health.pendingStale) {
    const minutes = Math.floor(health.oldestPendingWaitSeconds / 60);
    problems.push(`The oldest pending event has waited ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}: is the worker running?`);
  }
  return (
    <div role="alert" data-testid="webhook-health-banner" className="mb-6 flex flex-wrap items-center justify-between gap-3 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
      <p>{problems.join(' ')}</p>
      <Link href={health.dead > 0 ? '/admin/webhooks?status=dead' : '/admin/webhooks?status=pending'} className="font-medium underline">
        See the events
      </Link>
    </div>
  );
}
