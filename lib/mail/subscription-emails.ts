import type { Transaction } from '@/db/client';
import { env } from '@/lib/env';
import { formatMoney, type Money } from '@/lib/money';
import { queueEmail } from './outbox';

/**
 * The emails a subscription's billing sends: a failed renewal (dunning), a renewal the bank
 * wants confirmed, and a trial about to end. Each is queued in the transaction that records
 * what it reports, once per (kind, ref), so redelivered events never send a second.
 */

function link(path: string): string {
  const config = env();
  return new URL(path, config.authUrl ?? `http://localhost:${config.port}`).toString();
}

function day(date: Date): string {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(date);
}

export interface InvoiceNotice {
  to: string;
  invoiceId: string;
  /** The provider's attempt number: one email per failed attempt. */
  attempt: number;
  planName: string;
  amountDue: Money;
  nextAttempt: Date | null;
  /** The provider that keeps the subscriber's funding and collects from it ("PayPal"), or null for a card saved here. */
  collectedBy: string | null;
  /** The subscription's first payment (one a move to another provider started), not a renewal. */
  firstPayment?: boolean;
}

/** What a failed renewal asks of the subscriber: a new card here, or a fix in their account at the provider that collects. */
function paymentFailedLines(notice: InvoiceNotice, amount: string): string[] {
  const provider = notice.collectedBy;
  if (notice.firstPayment) {
    return [
      `We could not take the first payment for your ${notice.planName} subscription (${amount}) from ${provider ? `your ${provider} account` : 'the card it moved to'}.`,
      '',
      'Your subscription has no access until it is paid. To keep it, finish the payment here:',
      link('/account/billing'),
    ];
  }
  if (provider) {
    return [
      `${provider} could not collect the payment for your ${notice.planName} subscription (${amount}).`,
      '',
      notice.nextAttempt
        ? `${provider} will try again on ${day(notice.nextAttempt)}. To keep your subscription without interruption, change how you pay at ${provider} and pay the balance now:`
        : `To keep your subscription, change how you pay at ${provider} and pay the balance now:`,
      link('/account/billing'),
    ];
  }
  return [
    `We could not charge your card for your ${notice.planName} subscription (${amount}).`,
    '',
    notice.nextAttempt
      ? `We will try again on ${day(notice.nextAttempt)}. To keep your subscription without interruption, update your card and pay now:`
      : 'To keep your subscription, update your card and pay now:',
    link('/account/billing/pay'),
  ];
}

export async function queuePaymentFailedEmail(tx: Transaction, notice: InvoiceNotice): Promise<void> {
  const amount = formatMoney(notice.amountDue);
  const text = [...paymentFailedLines(notice, amount), '', 'Billfold'].join('\n');
  await queueEmail(tx, { kind: 'payment_failed', ref: `${notice.invoiceId}:${notice.attempt}`, to: notice.to, subject: `Your payment of ${amount} failed`, text });
}

export async function queueActionRequiredEmail(tx: Transaction, notice: InvoiceNotice): Promise<void> {
  const amount = formatMoney(notice.amountDue);
  const text = [
    `Your bank needs you to confirm the payment of ${amount} for your ${notice.planName} subscription.`,
    '',
    'Confirm it (or pay with another card) here:',
    link('/account/billing/pay'),
    '',
    'Billfold',
  ].join('\n');
  await queueEmail(tx, { kind: 'payment_action_required', ref: `${notice.invoiceId}:${notice.attempt}`, to: notice.to, subject: `Please confirm your payment of ${amount}`, text });
}

export interface TrialNotice {
  to: string;
  subscriptionId: string;
  planName: string;
  trialEnd: Date;
  /** What the trial's end will charge, or null when no card is on file. */
  charge: Money | null;
  cardLast4: string | null;
}

export async function queueTrialEndingEmail(tx: Transaction, notice: TrialNotice): Promise<void> {
  const text = [
    `Your free trial of ${notice.planName} ends on ${day(notice.trialEnd)}.`,
    '',
    notice.cardLast4 && notice.charge
      ? `Your card ending ${notice.cardLast4} will then be charged ${formatMoney(notice.charge)}. Nothing to do if you would like to continue; to change or cancel your plan:`
      : 'Add a card to keep your subscription after the trial:',
    link('/account/billing'),
    '',
    'Billfold',
  ].join('\n');
  await queueEmail(tx, {
    kind: 'trial_ending',
    // One per trial end: a trial that is extended gets a notice for its new end.
    ref: `${notice.subscriptionId}:${notice.trialEnd.toISOString()}`,
    to: notice.to,
    subject: `Your ${notice.planName} trial ends on ${day(notice.trialEnd)}`,
    text,
  });
}
