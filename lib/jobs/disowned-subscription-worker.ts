import { closeDisownedSubscription } from '@/lib/billing/disowned-subscriptions';
import type { SwitchStartDependencies } from '@/lib/billing/provider-switch';
import { log } from '@/lib/log';
import { logJobFailure, type JobAttempt } from './duplicate-payment-worker';

/**
 * Runs one disowned subscription job (lib/billing/disowned-subscriptions.ts). A failure is thrown
 * so pg-boss retries with backoff; an outage is a warning, anything else, and the last failed
 * try, an error: the subscriber may be paying for a subscription they gave up, so an operator
 * must end it and refund it by hand (the audit log has none for it yet).
 */
export async function processDisownedSubscription(deps: SwitchStartDependencies, subscriptionId: string, attempt: JobAttempt): Promise<void> {
  try {
    const result = await closeDisownedSubscription(deps, subscriptionId);
    if (result.outcome === 'not_disowned') log.warn({ subscriptionId }, 'disowned subscription job skipped: the subscription is not one Billfold gave up');
    else log.info({ subscriptionId, refunded: result.refunded.map((invoice) => invoice.id) }, 'subscription given up and approved later: ended at the provider and refunded');
  } catch (error) {
    logJobFailure(error, attempt, { subscriptionId }, {
      lastTry: 'a subscription given up and approved later could not be ended or refunded: an operator must do it by hand',
      outage: 'disowned subscription job failed: provider unavailable; will retry',
      other: 'disowned subscription job failed; will retry',
    });
    throw error;
  }
}
