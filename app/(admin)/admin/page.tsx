import type { Metadata } from 'next';
import { WebhookHealthBanner } from '@/components/admin/webhook-health-banner';
import { PageHeader } from '@/components/ui/card';
import { requireStaffForPage } from '@/lib/auth/guards';

export const metadata: Metadata = { title: 'Admin' };

export default async function ConsoleOverviewPage() {
  await requireStaffForPage('/admin');
  return (
    <>
      <WebhookHealthBanner />
      <PageHeader title="Overview" description="Every transaction, customer, subscription and webhook event, as they arrive." />
    </>
  );
}
