import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import type { ReactNode } from 'react';
import { AuditEntries } from '@/components/admin/audit-entries';
import { ConsoleActionButton } from '@/components/admin/console-action-button';
import { Details, Time } from '@/components/admin/console-list';
import { Status } from '@/components/admin/statuses';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { requireStaffForPage } from '@/lib/auth/guards';
import { can } from '@/lib/auth/roles';
import { EMAIL_KIND_LABELS as KIND_LABELS, getEmail } from '@/lib/billing/admin/emails';
import { resendFailedEmail } from '../actions';

export const metadata: Metadata = { title: 'Email' };

export default async function EmailPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const staff = await requireStaffForPage(`/admin/emails/${id}`);
  const email = await getEmail(db, id);
  if (!email) notFound();
  const details: [string, ReactNode][] = [
    ['To', <span key="to" className="break-all" data-testid="email-to">{email.to}</span>],
    ['Kind', KIND_LABELS[email.kind]],
    ['About', <span key="ref" className="font-mono text-xs break-all">{email.ref}</span>],
    ['Written', <Time key="written" date={email.createdAt} />],
    ['Sent', email.sentAt ? <Time date={email.sentAt} /> : '—'],
    ['Attempts', email.attempts],
    ['Last error', email.lastError ? <span className="break-all text-red-700" data-testid="email-last-error">{email.lastError}</span> : '—'],
  ];
  return (
    <>
      <PageHeader title={email.subject} description={<Link href="/admin/emails" className="underline">All emails</Link>}>
        <div className="flex flex-wrap items-center gap-3">
          <Status kind="email" status={email.status} />
          {can(staff, 'emails.resend') && email.status === 'failed' ? (
            <ConsoleActionButton action={resendFailedEmail} fields={{ id: email.id }} label="Resend" pendingLabel="Queuing…" variant="primary" />
          ) : null}
        </div>
      </PageHeader>
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,2fr)]">
        <Card title="Delivery">
          <Details items={details} />
        </Card>
        <Card title="Message" description={email.hasHtml ? 'The plain-text part; an HTML alternative is sent with it.' : undefined}>
          <pre className="overflow-x-auto rounded-lg bg-stone-50 p-4 font-sans text-sm whitespace-pre-wrap" data-testid="email-text">
            {email.text}
          </pre>
        </Card>
      </div>
      <Card title="Console actions" className="mt-6">
        <AuditEntries entries={email.audit} empty="Nobody has acted on this email from the console." />
      </Card>
    </>
  );
}
