import type { emailStatus, orderStatus, refundRequestStatus, webhookEventStatus } from '@/db/schema';
import type { DisputeStatus, PaymentStatus, RefundStatus, SubscriptionStatus } from '@/lib/payments/types';
import { StatusBadge, type Tone } from '@/components/ui/status-badge';

type Label = readonly [text: string, tone: Tone];

/** How the console names each stored status, one table per kind, so every list and page agrees. */
const PAYMENT: Record<PaymentStatus, Label> = {
  requires_payment_method: ['Incomplete', 'neutral'],
  requires_confirmation: ['Incomplete', 'neutral'],
  requires_action: ['Needs the buyer', 'warning'],
  processing: ['Processing', 'info'],
  requires_capture: ['Approved, not captured', 'info'],
  succeeded: ['Succeeded', 'success'],
  canceled: ['Canceled', 'neutral'],
};

const ORDER: Record<(typeof orderStatus.enumValues)[number], Label> = {
  open: ['Open', 'neutral'],
  processing: ['Processing', 'info'],
  paid: ['Paid', 'success'],
  payment_failed: ['Payment failed', 'danger'],
  canceled: ['Canceled', 'neutral'],
  partially_refunded: ['Partially refunded', 'warning'],
  refunded: ['Refunded', 'neutral'],
};

const REFUND: Record<RefundStatus, Label> = {
  pending: ['Pending', 'info'],
  requires_action: ['Needs action', 'warning'],
  succeeded: ['Refunded', 'success'],
  failed: ['Failed', 'danger'],
  canceled: ['Canceled', 'neutral'],
};

const DISPUTE: Record<DisputeStatus, Label> = {
  warning_needs_response: ['Inquiry: respond', 'danger'],
  warning_under_review: ['Inquiry under review', 'info'],
  warning_closed: ['Inquiry closed', 'neutral'],
  needs_response: ['Needs response', 'danger'],
  under_review: ['Under review', 'info'],
  won: ['Won', 'success'],
  lost: ['Lost', 'danger'],
};

const SUBSCRIPTION: Record<SubscriptionStatus, Label> = {
  incomplete: ['Incomplete', 'neutral'],
  incomplete_expired: ['Expired', 'neutral'],
  trialing: ['Trialing', 'info'],
  active: ['Active', 'success'],
  past_due: ['Past due', 'warning'],
  canceled: ['Canceled', 'neutral'],
  unpaid: ['Unpaid', 'danger'],
  paused: ['Paused', 'neutral'],
};

const WEBHOOK_EVENT: Record<(typeof webhookEventStatus.enumValues)[number], Label> = {
  pending: ['Pending', 'neutral'],
  processing: ['Processing', 'info'],
  processed: ['Processed', 'success'],
  ignored: ['Ignored', 'neutral'],
  failed: ['Failed, retrying', 'warning'],
  dead: ['Dead', 'danger'],
};

const EMAIL: Record<(typeof emailStatus.enumValues)[number], Label> = {
  pending: ['Pending', 'neutral'],
  sent: ['Sent', 'success'],
  failed: ['Failed', 'danger'],
  held: ['Held (sandbox)', 'info'],
};

const REFUND_REQUEST: Record<(typeof refundRequestStatus.enumValues)[number], Label> = {
  awaiting_approval: ['Awaiting approval', 'warning'],
  sent: ['Sent', 'success'],
  rejected: ['Rejected', 'neutral'],
  failed: ['Refused by provider', 'danger'],
  withdrawn: ['Withdrawn', 'neutral'],
};

const KINDS = {
  payment: PAYMENT,
  order: ORDER,
  refund: REFUND,
  refundRequest: REFUND_REQUEST,
  dispute: DISPUTE,
  subscription: SUBSCRIPTION,
  webhookEvent: WEBHOOK_EVENT,
  email: EMAIL,
};

type Kinds = typeof KINDS;

/** The words the console uses for a status (filters' options use them too). */
export function statusLabel<K extends keyof Kinds>(kind: K, status: keyof Kinds[K]): string {
  return (KINDS[kind] as Record<string, Label>)[status as string]![0];
}

/** A stored status of any kind the console lists, as a badge. */
export function Status<K extends keyof Kinds>({ kind, status }: { kind: K; status: keyof Kinds[K] & string }) {
  const [text, tone] = (KINDS[kind] as Record<string, Label>)[status]!;
  return (
    <StatusBadge tone={tone} testId={`${kind}-status`}>
      {text}
    </StatusBadge>
  );
}
