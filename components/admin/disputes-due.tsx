import Link from 'next/link';
import { DisputesTable } from '@/components/admin/disputes-table';
import { Card } from '@/components/ui/card';
import { evidenceDeadline, type DisputeRow } from '@/lib/billing/admin/disputes';

/** The overview's reminder: disputes whose evidence is overdue or due within 48 hours; nothing when none is. */
export function DisputesDue({ waiting, now }: { waiting: DisputeRow[]; now: Date }) {
  const urgent = waiting.filter((dispute) => {
    const deadline = evidenceDeadline(dispute, now);
    return deadline !== null && deadline.urgency !== 'later';
  });
  if (urgent.length === 0) return null;
  return (
    <Card title={`${urgent.length} ${urgent.length === 1 ? 'dispute needs' : 'disputes need'} a response soon`} description="Overdue, or due within 48 hours." className="mb-6 border-amber-300">
      <DisputesTable rows={urgent} now={now} label="Disputes due soon" empty="" />
      <Link href="/admin/disputes" className="mt-2 inline-flex min-h-11 items-center text-sm font-medium text-brand-600 hover:underline">
        All disputes
      </Link>
    </Card>
  );
}
