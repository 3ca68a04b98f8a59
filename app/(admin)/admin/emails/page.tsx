import type { Metadata } from 'next';
import Link from 'next/link';
import { ConsoleActionButton } from '@/components/admin/console-action-button';
import { FilterForm, Pager, parseOrRefuse, Time } from '@/components/admin/console-list';
import { Status, statusLabel } from '@/components/admin/statuses';
import { Card, PageHeader } from '@/components/ui/card';
import { DataTable, type Column } from '@/components/ui/data-table';
import { db } from '@/db/client';
import { emailStatus } from '@/db/schema';
import { requireStaffForPage } from '@/lib/auth/guards';
import { can } from '@/lib/auth/roles';
import { EMAIL_KIND_LABELS as KIND_LABELS, EMAIL_KINDS, EmailQuery, listEmails, parseEmailQuery, type EmailRow } from '@/lib/billing/admin/emails';
import { env } from '@/lib/env';
import { resendFailedEmail } from './actions';

export const metadata: Metadata = { title: 'Emails' };

export default async function EmailsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const staff = await requireStaffForPage('/admin/emails');
  const params = await searchParams;
  const { query, refusal } = parseOrRefuse(() => parseEmailQuery(params), EmailQuery.parse({}));
  const page = await listEmails(db, query);
  const resends = can(staff, 'emails.resend');
  const filters = { status: query.status, kind: query.kind, to: query.to, from: query.from, until: query.until };

  const columns: Column<EmailRow>[] = [
    {
      key: 'subject',
      header: 'Subject',
      unlabelled: true,
      className: 'max-sm:w-full max-sm:font-medium',
      cell: (email) => (
        <Link href={`/admin/emails/${email.id}`} prefetch={false} className="underline">
          {email.subject}
        </Link>
      ),
    },
    { key: 'to', header: 'To', cell: (email) => <span className="break-all">{email.to}</span> },
    { key: 'kind', header: 'Kind', cell: (email) => KIND_LABELS[email.kind] },
    { key: 'created', header: 'Written', cell: (email) => <Time date={email.createdAt} /> },
    { key: 'status', header: 'Status', cell: (email) => <Status kind="email" status={email.status} /> },
    {
      key: 'error',
      header: 'Error',
      className: 'max-w-xs',
      cell: (email) => (email.lastError ? <span className="line-clamp-2 text-xs break-all text-red-700">{email.lastError}</span> : '—'),
    },
    {
      key: 'actions',
      header: 'Actions',
      hideHeader: true,
      align: 'right',
      cell: (email) => (resends && email.status === 'failed' ? <ConsoleActionButton action={resendFailedEmail} fields={{ id: email.id }} label="Resend" pendingLabel="Queuing…" /> : null),
    },
  ];

  return (
    <>
      <PageHeader
        title="Emails"
        description={
          env().paymentsMode === 'sandbox'
            ? 'The outbox. Sandbox mode: email is held here and never sent, whatever SMTP_URL says.'
            : 'The outbox: every email Billfold wrote, whether it was sent, and why not if it failed.'
        }
      />
      <FilterForm
        label="Filter emails"
        resetHref="/admin/emails"
        fields={[
          { kind: 'select', name: 'status', label: 'Status', value: query.status, options: emailStatus.enumValues.map((status) => ({ value: status, label: statusLabel('email', status) })) },
          { kind: 'select', name: 'kind', label: 'Kind', value: query.kind, options: EMAIL_KINDS.map((kind) => ({ value: kind, label: KIND_LABELS[kind] })) },
          { kind: 'email', name: 'to', label: 'Recipient', value: query.to, placeholder: 'buyer@example.com' },
          { kind: 'date', name: 'from', label: 'Written from', value: query.from },
          { kind: 'date', name: 'until', label: 'Written until', value: query.until },
        ]}
      />
      {refusal}
      <Card>
        <DataTable label="Emails" testId="emails" rows={page.rows} rowKey={(email) => email.id} rowTestId={(email) => `email-${email.id}`} empty="No email matches these filters." columns={columns} />
        <Pager path="/admin/emails" filters={filters} paged={query.cursor !== undefined} nextCursor={page.nextCursor} />
      </Card>
    </>
  );
}
