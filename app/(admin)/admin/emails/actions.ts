'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { db } from '@/db/client';
import { consoleAction } from '@/lib/auth/actions';
import { resendEmail } from '@/lib/billing/admin/emails';
import { statusLabel } from '@/components/admin/statuses';

export const resendFailedEmail = consoleAction('emails.resend', z.object({ id: z.uuid('No email has this id.') }), async ({ id }, staff) => {
  const result = await resendEmail(db, staff, id);
  revalidatePath('/admin/emails');
  revalidatePath(`/admin/emails/${id}`);
  return {
    message:
      result.outcome === 'queued'
        ? 'Queued: the worker sends it again in a moment.'
        : `Nothing to do: the email is ${statusLabel('email', result.status).toLowerCase()}.`,
  };
});
