import { VolumeChart } from '@/components/admin/volume-chart';
import { Card } from '@/components/ui/card';
import { DataTable } from '@/components/ui/data-table';
import { WINDOWS, type CurrencyVolume, type DailyPoint, type PaymentOutcomes, type SubscriptionFigures, type VolumeFigures } from '@/lib/billing/admin/revenue';
import { formatMoney } from '@/lib/money';

const FIGURES: { key: keyof VolumeFigures; label: string }[] = [
  { key: 'gross', label: 'Gross volume' },
  { key: 'refunded', label: 'Refunded' },
  { key: 'disputed', label: 'Disputes opened' },
  { key: 'disputesLost', label: 'Disputes lost' },
  { key: 'net', label: 'Net' },
];

/** Each currency apart (amounts in different currencies are never added), with its last 30 days drawn. */
export function VolumeByCurrency({ volume, daily }: { volume: CurrencyVolume[]; daily: { currency: string; points: DailyPoint[] }[] }) {
  if (volume.length === 0) return <Card title="Volume" description="No payments in the last 90 days." />;
  return (
    <div className="space-y-6">
      {volume.map(({ currency, windows }) => (
        <Card key={currency} title={`Volume in ${currency}`}>
          <div data-testid={`volume-${currency}`}>
            <DataTable
              label={`Volume in ${currency}`}
              rows={FIGURES}
              rowKey={(figure) => figure.key}
              rowTestId={(figure) => `figure-${figure.key}`}
              empty=""
              columns={[
                { key: 'figure', header: 'Figure', unlabelled: true, className: 'max-sm:w-full max-sm:font-medium', cell: (figure) => figure.label },
                ...WINDOWS.map((window) => ({
                  key: window.key,
                  header: window.label,
                  align: 'right' as const,
                  cell: (figure: (typeof FIGURES)[number]) => <span data-testid={`${figure.key}-${window.key}`}>{formatMoney(windows[window.key][figure.key])}</span>,
                })),
              ]}
            />
          </div>
          <p className="mt-4 mb-2 text-sm font-medium text-stone-700">Last 30 days</p>
          <VolumeChart currency={currency} points={daily.find((each) => each.currency === currency)?.points ?? []} />
        </Card>
      ))}
    </div>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div>
      <dt className="text-sm text-stone-500">{label}</dt>
      <dd className="text-xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

export function SubscriptionsOverview({ figures }: { figures: SubscriptionFigures }) {
  return (
    <Card title="Subscriptions" description="Monthly recurring revenue from active and past-due subscriptions, per currency; trials add none until they pay.">
      <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4">
        <Figure label="MRR" value={figures.mrr.length === 0 ? '—' : figures.mrr.map((amount) => formatMoney(amount)).join(' · ')} testId="mrr" />
        <Figure label="Active" value={String(figures.active)} testId="active-subscribers" />
        <Figure label="Trialing" value={String(figures.trialing)} testId="trialing-subscribers" />
        <Figure label="Past due" value={String(figures.pastDue)} testId="past-due-subscribers" />
      </dl>
      <dl className="mt-4 grid grid-cols-3 gap-4 text-sm">
        {(['7d', '30d', '90d'] as const).map((window) => (
          <div key={window}>
            <dt className="text-stone-500">{WINDOWS.find((each) => each.key === window)?.label}</dt>
            <dd>
              <span data-testid={`started-${window}`}>+{figures.started[window]}</span> new · <span data-testid={`churned-${window}`}>−{figures.churned[window]}</span> churned
            </dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

const PERCENT = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

export function PaymentOutcomesOverview({ outcomes }: { outcomes: PaymentOutcomes }) {
  return (
    <Card title="Payments, last 30 days" description="Of the payments that ended: how many succeeded, and why the others were declined.">
      <dl className="grid grid-cols-3 gap-4">
        <Figure label="Success rate" value={outcomes.successRate === null ? '—' : PERCENT.format(outcomes.successRate)} testId="success-rate" />
        <Figure label="Succeeded" value={String(outcomes.succeeded)} testId="succeeded-payments" />
        <Figure label="Failed" value={String(outcomes.failed)} testId="failed-payments" />
      </dl>
      <h3 className="mt-4 mb-2 text-sm font-medium">Top decline reasons</h3>
      <DataTable
        label="Top decline reasons"
        rows={outcomes.topDeclines}
        rowKey={(decline) => decline.code}
        empty="No declines."
        columns={[
          { key: 'code', header: 'Reason', unlabelled: true, cell: (decline) => decline.code.replaceAll('_', ' ') },
          { key: 'count', header: 'Payments', align: 'right', cell: (decline) => decline.count },
        ]}
      />
    </Card>
  );
}
