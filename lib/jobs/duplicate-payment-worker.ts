import { closeDuplicatePayment, type DuplicatePaymentDeps } from '@/lib/billing/duplicate-payments';
import { log } from '@/lib/log';
import { PaymentProviderUnavailableError } from '@/lib/payments/types';

/** Which try of its job this is, as pg-boss counts them: the last one is `retryCount === retryLimit`. */
export interface JobAttempt {
  retryCount: number;
  retryLimit: number;
}

/**
 * Logs a failed try of a one-at-a-time job, for pg-boss to retry: a provider outage is routine
 * (a warning) until the last try; anything else, and the last try of any kind, is an error an
 * operator must act on (`lastTry` says what they must do by hand).
 */
export function logJobFailure(error: unknown, attempt: JobAttempt, subject: Record<string, string>, messages: { lastTry: string; outage: string; other: string }): void {
  const final = attempt.retryCount >= attempt.retryLimit;
  const details = { ...subject, attempt: attempt.retryCount + 1, final, err: error };
  if (final) log.error(details, messages.lastTry);
  else if (error instanceof PaymentProviderUnavailableError) log.warn(details, messages.outage);
  else log.error(details, messages.other);
}

/**
 * Runs one duplicate payment job (lib/billing/duplicate-payments.ts). A failure is thrown so
 * pg-boss retries with backoff; an outage is routine and logged as a warning, anything else,
 * and the last failed try of any kind, as an error: the customer's money is still held and an
 * operator must refund it by hand (the audit log has the payment under payment.duplicate_detected).
 */
export async function processDuplicatePayment(deps: DuplicatePaymentDeps, paymentId: string, attempt: JobAttempt): Promise<void> {
  try {
    const result = await closeDuplicatePayment(deps, paymentId);
    if (result.outcome === 'refunded') {
      log.info({ paymentId, refundId: result.refund.id, amount: result.refund.amount.amount, currency: result.refund.amount.currency }, 'duplicate payment refunded');
    } else if (result.outcome === 'canceled') {
      log.info({ paymentId }, 'open payment of a paid order canceled');
    } else if (result.outcome === 'not_a_duplicate') {
      log.warn({ paymentId, why: result.why }, 'duplicate payment job skipped: not a duplicate');
    } else {
      log.info({ paymentId }, 'duplicate payment holds no money: nothing to refund');
    }
  } catch (error) {
    logJobFailure(error, attempt, { paymentId }, {
      lastTry: 'duplicate payment could not be refunded or canceled: an operator must refund it by hand',
      outage: 'duplicate payment job failed: provider unavailable; will retry',
      other: 'duplicate payment job failed; will retry',
    });
    throw error;
  }
}
