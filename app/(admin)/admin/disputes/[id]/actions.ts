'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { db } from '@/db/client';
import { consoleAction } from '@/lib/auth/actions';
import { acceptDispute } from '@/lib/billing/disputes';
import { paymentRegistry } from '@/lib/payments';

export const acceptDisputeAction = consoleAction('disputes.respond', z.object({ disputeId: z.uuid(), requestId: z.uuid() }), async (input, staff) => {
  const dispute = await acceptDispute({ db, payments: paymentRegistry() }, staff, input);
  revalidatePath(`/admin/disputes/${dispute.id}`);
  return { status: dispute.status };
});
