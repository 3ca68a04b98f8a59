import Link from 'next/link';
import type { ReactNode } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { listHref } from '@/lib/billing/admin/query';
import { UserFacingError } from '@/lib/errors';

/**
 * Pieces the console's lists share: a filter form that is a plain GET (the filters live in the
 * URL, so a list is linkable and works before any script loads), the next-page link, times, and
 * a pretty-printed JSON block.
 */

export type FilterField =
  | { kind: 'select'; name: string; label: string; options: readonly { value: string; label: string }[]; value?: string }
  | { kind: 'text' | 'email' | 'search' | 'date'; name: string; label: string; value?: string; placeholder?: string };

// 16 px text on a phone, so the browser does not zoom into the field.
const INPUT = 'min-h-11 w-full rounded-lg border border-stone-300 bg-white px-3 text-base sm:text-sm';

export function FilterForm({ fields, resetHref, label, submitLabel = 'Filter' }: { fields: readonly FilterField[]; resetHref: string; label: string; submitLabel?: string }) {
  return (
    <form method="get" aria-label={label} className="mb-6 grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3">
      {fields.map((field) => (
        <label key={field.name} className="flex min-w-0 flex-col gap-1 text-sm">
          <span className="font-medium">{field.label}</span>
          {field.kind === 'select' ? (
            <select name={field.name} defaultValue={field.value ?? ''} className={INPUT}>
              <option value="">Any</option>
              {field.options.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          ) : (
            <input name={field.name} type={field.kind} defaultValue={field.value ?? ''} placeholder={field.placeholder} className={INPUT} />
          )}
        </label>
      ))}
      <div className="flex items-end gap-2">
        <Button type="submit" variant="secondary">
          {submitLabel}
        </Button>
        <Link href={resetHref} className="flex min-h-11 items-center px-3 text-sm text-stone-600 underline">
          Clear
        </Link>
      </div>
    </form>
  );
}

const PAGER_LINK = 'inline-flex min-h-11 items-center rounded-lg border border-stone-300 bg-white px-4 text-sm font-medium hover:bg-stone-50';

/**
 * Every console list's pager: back to the newest (once paged) and on to older rows (while there
 * are more), keeping the filters. Keyset pages have no numbers to jump to.
 */
export function Pager({ path, filters, paged, nextCursor }: { path: string; filters: Record<string, string | number | boolean | undefined>; paged: boolean; nextCursor: string | null }) {
  if (!paged && !nextCursor) return null;
  return (
    <nav aria-label="Pages" className="mt-4 flex flex-wrap gap-2">
      {paged ? (
        <Link href={listHref(path, filters)} className={PAGER_LINK}>
          Newest
        </Link>
      ) : null}
      {nextCursor ? (
        <Link href={listHref(path, filters, nextCursor)} className={PAGER_LINK} rel="next">
          Older
        </Link>
      ) : null}
    </nav>
  );
}

/** A record's facts as term and value pairs, the way the console's detail pages show them. */
export function Details({ items }: { items: readonly (readonly [term: string, value: ReactNode])[] }) {
  return (
    <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-2 text-sm">
      {items.map(([term, value]) => (
        <div key={term} className="contents">
          <dt className="text-stone-500">{term}</dt>
          <dd className="min-w-0">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A moment as the console prints it: UTC, to the second, the same on every screen. */
export function consoleTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function Time({ date }: { date: Date }) {
  return (
    <time dateTime={date.toISOString()} className="whitespace-nowrap">
      {consoleTime(date)}
    </time>
  );
}

export function JsonBlock({ value, testId }: { value: string; testId?: string }) {
  return (
    <pre data-testid={testId} className="max-h-[32rem] overflow-auto rounded-lg bg-stone-50 p-4 font-mono text-xs whitespace-pre-wrap break-all">
      {value}
    </pre>
  );
}

/** Parses a list's filters; a bad URL becomes a message above an empty list instead of an error page. */
export function parseOrRefuse<Q>(parse: () => Q, fallback: Q): { query: Q; refusal: ReactNode } {
  try {
    return { query: parse(), refusal: null };
  } catch (error) {
    if (!(error instanceof UserFacingError)) throw error;
    return { query: fallback, refusal: <Alert>{error.message}</Alert> };
  }
}
