import { startSwitchedSubscription, type SwitchStartDependencies } from '@/lib/billing/provider-switch';
import { log } from '@/lib/log';
import { logJobFailure, type JobAttempt } from './duplicate-payment-worker';

/**
 * Runs one subscription switch job (lib/billing/provider-switch.ts). A failure is thrown so
 * pg-boss retries with backoff; an outage is routine and a warning, anything else, and the last
 * failed try, an error: the subscriber's old subscription has ended and the new one is not
 * there, so an operator must start it (the switch is in subscription_switches, still scheduled).
 */
export async function processSubscriptionSwitch(deps: SwitchStartDependencies, switchId: string, attempt: JobAttempt): Promise<void> {
  try {
    const outcome = await startSwitchedSubscription(deps, switchId);
    if (outcome === 'waiting') log.warn({ switchId }, 'subscription switch job ran before its old subscription ended: nothing to do yet');
  } catch (error) {
    logJobFailure(error, attempt, { switchId }, {
      lastTry: 'subscription switch could not start the new subscription: an operator must start it',
      outage: 'subscription switch failed: provider unavailable; will retry',
      other: 'subscription switch failed; will retry',
    });
    throw error;
  }
}
