'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { db } from '@/db/client';
import { consoleAction } from '@/lib/auth/actions';
import { DeadEventsOfType, reprocessDeadEventsOfType, reprocessWebhookEvent } from '@/lib/billing/admin/webhook-events';
import { statusLabel } from '@/components/admin/statuses';

export const reprocessEvent = consoleAction('webhooks.reprocess', z.object({ id: z.uuid('No webhook event has this id.') }), async ({ id }, staff) => {
  const result = await reprocessWebhookEvent(db, staff, id);
  revalidatePath('/admin/webhooks');
  revalidatePath(`/admin/webhooks/${id}`);
  revalidatePath('/admin');
  return {
    message:
      result.outcome === 'queued'
        ? 'Queued: the worker applies it again in a moment.'
        : `Nothing to do: the event is ${statusLabel('webhookEvent', result.status).toLowerCase()}.`,
  };
});

export const reprocessDeadOfType = consoleAction('webhooks.reprocess', DeadEventsOfType, async (input, staff) => {
  const { count, remaining } = await reprocessDeadEventsOfType(db, staff, input);
  revalidatePath('/admin/webhooks');
  revalidatePath('/admin');
  const queued = count === 0 ? 'No dead events of this type were left to re-process.' : `Queued ${count} dead ${count === 1 ? 'event' : 'events'} of this type.`;
  return { message: remaining > 0 ? `${queued} ${remaining} more remain: re-process again.` : queued };
});
