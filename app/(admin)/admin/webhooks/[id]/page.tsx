import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import type { ReactNode } from 'react';
import { AuditEntries } from '@/components/admin/audit-entries';
import { ConsoleActionButton } from '@/components/admin/console-action-button';
import { Details, JsonBlock, Time } from '@/components/admin/console-list';
import { Status } from '@/components/admin/statuses';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { requireStaffForPage } from '@/lib/auth/guards';
import { can } from '@/lib/auth/roles';
import { classifyWebhookEvent, getWebhookEvent, type EventClassification } from '@/lib/billing/admin/webhook-events';
import { paymentRegistry } from '@/lib/payments';
import { PROVIDER_LABELS, type WebhookAction } from '@/lib/payments/types';
import { reprocessEvent } from '../actions';

export const metadata: Metadata = { title: 'Webhook event' };

/** What the worker does with an event of this classification, in an operator's words. */
function describeAction(action: WebhookAction): string {
  switch (action.kind) {
    case 'payment':
      return `Re-read payment ${action.paymentId} from the provider and apply its current state.`;
    case 'refund':
      return `Re-read payment ${action.paymentId} with its refunds (refund ${action.refundId}) and apply them.`;
    case 'dispute':
      return `Re-read dispute ${action.disputeId} on payment ${action.paymentId} and apply it.`;
    case 'subscription':
      return `Re-read subscription ${action.subscriptionId} (customer ${action.customerId}) and apply it.`;
    case 'trial_ending':
      return `Subscription ${action.subscriptionId}'s trial ends ${action.trialEnd.toISOString().slice(0, 10)}: email the subscriber if it still does.`;
    case 'invoice':
      return `Re-read invoice ${action.invoiceId} (customer ${action.customerId}) and its subscription, and apply them.`;
    case 'invoice_refund':
      return `Re-read refund ${action.refundId} of invoice ${action.invoiceId} (customer ${action.customerId}), the invoice and its subscription, and record what was given back.`;
    case 'card_saved':
      return `A card saved for subscription ${action.subscriptionId}: make it the default if it is the newest.`;
  }
}

function Classification({ classification }: { classification: EventClassification }) {
  if (classification.outcome === 'ignored') return <p data-testid="event-effect">Nothing: Billfold does not act on this type of event, so it is stored and ignored.</p>;
  if (classification.outcome === 'unclassifiable') {
    return (
      <p data-testid="event-effect" className="text-red-700">
        The provider could not classify it: {classification.reason}
      </p>
    );
  }
  return (
    <div className="space-y-2 text-sm">
      <p data-testid="event-effect">{describeAction(classification.action)}</p>
      {classification.paymentId ? (
        <p>
          <Link href={`/admin/transactions/${classification.paymentId}`} prefetch={false} className="underline">
            Open the payment
          </Link>
        </p>
      ) : 'paymentId' in classification.action ? (
        <p className="text-stone-600">Billfold has no payment with this provider id.</p>
      ) : null}
    </div>
  );
}

export default async function WebhookEventPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const staff = await requireStaffForPage(`/admin/webhooks/${id}`);
  const event = await getWebhookEvent(db, id);
  if (!event) notFound();
  const classification = await classifyWebhookEvent(db, paymentRegistry(), event);
  const reprocessable = can(staff, 'webhooks.reprocess') && (event.status === 'failed' || event.status === 'dead');
  const details: [string, ReactNode][] = [
    ['Provider', PROVIDER_LABELS[event.provider]],
    ['Provider event id', <span key="id" className="font-mono text-xs break-all" data-testid="provider-event-id">{event.eventId}</span>],
    ['Received', <Time key="received" date={event.receivedAt} />],
    ['Processed', event.processedAt ? <Time date={event.processedAt} /> : '—'],
    ['Attempts', <span key="attempts" data-testid="event-attempts">{event.attempts}</span>],
    ['Last error', event.lastError ? <span className="break-all text-red-700" data-testid="event-last-error">{event.lastError}</span> : '—'],
  ];
  return (
    <>
      <PageHeader title={event.type} description={<Link href="/admin/webhooks" className="underline">All webhook events</Link>}>
        <div className="flex flex-wrap items-center gap-3">
          <Status kind="webhookEvent" status={event.status} />
          {reprocessable ? <ConsoleActionButton action={reprocessEvent} fields={{ id: event.id }} label="Re-process" pendingLabel="Queuing…" variant="primary" /> : null}
        </div>
      </PageHeader>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Event">
          <Details items={details} />
        </Card>
        <Card title="What it asks Billfold to do" description="The provider's classification of the stored payload: what the worker does each time it applies this event.">
          <Classification classification={classification} />
        </Card>
      </div>
      <Card title="Console actions" className="mt-6">
        <AuditEntries entries={event.audit} empty="Nobody has acted on this event from the console." />
      </Card>
      <Card title="Payload" description="The body the provider sent, as verified and stored; credentials in it (a client secret, say) are not shown." className="mt-6">
        <JsonBlock value={event.payloadText} testId="event-payload" />
      </Card>
    </>
  );
}
