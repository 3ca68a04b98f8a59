import { StatusBadge } from '@/components/ui/status-badge';
import type { EvidenceDeadline } from '@/lib/billing/admin/disputes';

const TONES = { overdue: 'danger', soon: 'warning', later: 'neutral' } as const;

/** How long is left to answer a dispute: red when overdue, amber within 48 hours. */
export function EvidenceDeadlineBadge({ deadline, dueBy }: { deadline: EvidenceDeadline | null; dueBy: Date | null }) {
  if (!deadline) return <span className="text-stone-500">—</span>;
  return (
    <time dateTime={dueBy?.toISOString()} title={dueBy?.toUTCString()} data-urgency={deadline.urgency}>
      <StatusBadge tone={TONES[deadline.urgency]} testId="evidence-deadline">
        {deadline.text}
      </StatusBadge>
    </time>
  );
}
