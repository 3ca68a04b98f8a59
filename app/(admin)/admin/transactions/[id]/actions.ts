'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { db } from '@/db/client';
import { consoleAction } from '@/lib/auth/actions';
import { approveRefund, rejectRefund, REFUND_REASONS, requestRefund, withdrawRefund, type RefundDeps, type RefundOutcome } from '@/lib/billing/refunds';
import { env } from '@/lib/env';
import { UserFacingError } from '@/lib/errors';
import { fromDecimalString, MoneyError, normalizeCurrency, type Money } from '@/lib/money';
import { paymentRegistry } from '@/lib/payments';

function deps(): RefundDeps {
  return { db, payments: paymentRegistry(), approvalAbove: env().refunds.approvalAbove };
}

/** The decimal the admin typed, in the currency the form was rendered for, by integer arithmetic. */
function amountFrom(value: string, currency: string): Money {
  try {
    return fromDecimalString(value, normalizeCurrency(currency));
  } catch (error) {
    if (error instanceof MoneyError) throw new UserFacingError(`Enter an amount such as 12.50 (${error.message}).`, 'invalid_amount', 'amount');
    throw error;
  }
}

export interface RefundActionResult {
  outcome: RefundOutcome['outcome'];
  lastError: string | null;
}

function result(outcome: RefundOutcome, paymentId: string): RefundActionResult {
  revalidatePath(`/admin/transactions/${paymentId}`);
  return { outcome: outcome.outcome, lastError: outcome.request.lastError };
}

const RefundForm = z.object({
  paymentId: z.uuid(),
  requestId: z.uuid(),
  currency: z.string().length(3),
  amount: z.string().trim().min(1, 'Enter the amount to refund.').max(24),
  reason: z.enum(REFUND_REASONS),
  note: z.string().max(1000).optional(),
});

export const refundPayment = consoleAction('payments.refund', RefundForm, async (input, staff) => {
  const outcome = await requestRefund(deps(), staff, {
    paymentId: input.paymentId,
    requestId: input.requestId,
    amount: amountFrom(input.amount, input.currency),
    reason: input.reason,
    note: input.note ?? null,
  });
  return result(outcome, input.paymentId);
});

const Decision = z.object({ paymentId: z.uuid(), refundRequestId: z.uuid() });

export const approveRefundRequest = consoleAction('payments.refund', Decision, async (input, staff) => result(await approveRefund(deps(), staff, input.refundRequestId), input.paymentId));

export const rejectRefundRequest = consoleAction('payments.refund', Decision, async (input, staff) => result(await rejectRefund(deps(), staff, input.refundRequestId), input.paymentId));

export const withdrawRefundRequest = consoleAction('payments.refund', Decision, async (input, staff) => result(await withdrawRefund(deps(), staff, input.refundRequestId), input.paymentId));
