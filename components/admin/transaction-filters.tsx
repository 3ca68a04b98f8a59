import Link from 'next/link';
import type { ReactNode } from 'react';
import { statusLabel } from '@/components/admin/statuses';
import { Button } from '@/components/ui/button';
import { paymentProvider, paymentStatus } from '@/db/schema';
import type { TransactionFilters } from '@/lib/billing/admin/transactions';
import { PROVIDER_LABELS } from '@/lib/payments/types';

const CONTROL = 'min-h-11 w-full rounded-lg border border-stone-300 bg-white px-3 text-base sm:text-sm aria-invalid:border-red-400';

function Filter({ label, name, invalid, children, wide = false }: { label: string; name: string; invalid: boolean; children: ReactNode; wide?: boolean }) {
  return (
    <div className={`flex min-w-0 flex-col gap-1 text-sm ${wide ? 'basis-full sm:basis-64 sm:grow' : 'grow basis-36'}`}>
      <label htmlFor={`filter-${name}`} className={`font-medium ${invalid ? 'text-red-700' : ''}`}>
        {label}
      </label>
      {children}
    </div>
  );
}

/**
 * The transactions list's filters as a plain GET form: submitting it writes every filter into
 * the URL, so a filtered list can be bookmarked or sent to a colleague, and it works before (or
 * without) JavaScript. `invalidField` is the field a refused URL was refused for.
 */
export function TransactionFiltersForm({ filters, invalidField }: { filters: TransactionFilters; invalidField?: string }) {
  const input = (name: keyof TransactionFilters) => ({
    id: `filter-${name}`,
    name,
    defaultValue: filters[name] ?? '',
    'aria-invalid': invalidField === name ? true : undefined,
    className: CONTROL,
  });
  const invalid = (name: string) => invalidField === name;
  return (
    <form method="get" action="/admin/transactions" className="flex flex-wrap items-end gap-3" aria-label="Filter transactions" data-testid="transaction-filters">
      <Filter label="Search" name="q" invalid={invalid('q')} wide>
        <input {...input('q')} type="search" placeholder="Email, order number, card last 4, payment or charge id" />
      </Filter>
      <Filter label="Status" name="status" invalid={invalid('status')}>
        <select {...input('status')}>
          <option value="">Any</option>
          {paymentStatus.enumValues.map((status) => (
            <option key={status} value={status}>
              {statusLabel('payment', status)} ({status.replaceAll('_', ' ')})
            </option>
          ))}
        </select>
      </Filter>
      <Filter label="Provider" name="provider" invalid={invalid('provider')}>
        <select {...input('provider')}>
          <option value="">Any</option>
          {paymentProvider.enumValues.map((provider) => (
            <option key={provider} value={provider}>
              {PROVIDER_LABELS[provider]}
            </option>
          ))}
        </select>
      </Filter>
      <Filter label="Currency" name="currency" invalid={invalid('currency')}>
        <input {...input('currency')} placeholder="USD" maxLength={3} autoCapitalize="characters" autoComplete="off" />
      </Filter>
      <Filter label="From" name="from" invalid={invalid('from')}>
        <input {...input('from')} type="date" />
      </Filter>
      <Filter label="To (inclusive)" name="to" invalid={invalid('to')}>
        <input {...input('to')} type="date" />
      </Filter>
      <Filter label="Min amount" name="min" invalid={invalid('min')}>
        <input {...input('min')} inputMode="decimal" placeholder="0.00" autoComplete="off" />
      </Filter>
      <Filter label="Max amount" name="max" invalid={invalid('max')}>
        <input {...input('max')} inputMode="decimal" placeholder="0.00" autoComplete="off" />
      </Filter>
      <Filter label="Refunds" name="hasRefunds" invalid={invalid('hasRefunds')}>
        <select {...input('hasRefunds')}>
          <option value="">Any</option>
          <option value="true">Has refunds</option>
          <option value="false">No refunds</option>
        </select>
      </Filter>
      <Filter label="Dispute" name="hasDispute" invalid={invalid('hasDispute')}>
        <select {...input('hasDispute')}>
          <option value="">Any</option>
          <option value="true">Disputed</option>
          <option value="false">Not disputed</option>
        </select>
      </Filter>
      <div className="flex gap-2">
        <Button type="submit">Filter</Button>
        <Link href="/admin/transactions" className="inline-flex min-h-11 items-center rounded-lg px-3 text-sm text-stone-700 hover:bg-stone-100">
          Clear
        </Link>
      </div>
    </form>
  );
}
