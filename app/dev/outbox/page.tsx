import type { Metadata } from 'next';
import { desc } from 'drizzle-orm';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { emails } from '@/db/schema';
import { env } from '@/lib/env';

export const metadata: Metadata = { title: 'Developer outbox' };

// Delivery states as a developer reads them; in sandbox mode the worker holds every email here.
const STATE: Record<(typeof emails.$inferSelect)['status'], string> = {
  pending: 'Waiting for the worker',
  held: 'Kept in the outbox (sandbox mode never sends)',
  sent: 'Sent',
  failed: 'Failed',
};

/** Sandbox mode only: the email Billfold would have sent. Never exists with real provider keys. */
export default async function OutboxPage() {
  await connection();
  if (env().paymentsMode !== 'sandbox') notFound();
  const messages = await db.select().from(emails).orderBy(desc(emails.createdAt)).limit(50);
  return (
    <>
      <PageHeader title="Developer outbox" description="Sandbox mode: email is kept here and never sent, whatever SMTP_URL says. Newest first." />
      {messages.length === 0 ? (
        <p className="text-stone-600">Nothing yet. Receipts appear here when an order is paid.</p>
      ) : (
        <div className="space-y-4">
          {messages.map((message) => (
            <Card
              key={message.id}
              title={message.subject}
              description={
                <>
                  {`To ${message.to} · ${message.createdAt.toLocaleString('en-US')} · `}
                  <span data-testid="outbox-state">
                    {STATE[message.status]}
                    {message.status === 'failed' && message.lastError ? `: ${message.lastError}` : null}
                  </span>
                </>
              }
            >
              <pre className="overflow-x-auto rounded-lg bg-stone-50 p-4 font-sans text-sm whitespace-pre-wrap" data-testid="outbox-message">
                {message.text}
              </pre>
            </Card>
          ))}
        </div>
      )}
    </>
  );
}
