import type { Metadata } from 'next';
import { connection } from 'next/server';
import { DisputesDue } from '@/components/admin/disputes-due';
import { PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { requireStaffForPage } from '@/lib/auth/guards';
import { disputesAwaitingResponse } from '@/lib/billing/admin/disputes';

export const metadata: Metadata = { title: 'Admin' };

export default async function ConsoleOverviewPage() {
  await requireStaffForPage('/admin');
  await connection();
  const waiting = await disputesAwaitingResponse(db);
  return (
    <>
      <PageHeader title="Overview" description="Every transaction, customer, subscription and webhook event, as they arrive." />
      <DisputesDue waiting={waiting} now={new Date()} />
    </>
  );
}
