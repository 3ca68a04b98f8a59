import type { ReactNode } from 'react';

export interface Column<Row> {
  /** Unique within the table. */
  key: string;
  header: string;
  cell: (row: Row) => ReactNode;
  align?: 'left' | 'right';
  /** Shown on a phone without its header label (the row's title, say). */
  unlabelled?: boolean;
  /** The header is for screen readers only (an actions column). */
  hideHeader?: boolean;
  className?: string;
}

/**
 * Every list in Billfold (the console's, the portal's invoices) is this table, server-rendered.
 * On a phone each row becomes a short block whose cells wrap, each with its header as a label,
 * instead of a table wider than the screen; the box scrolls on its own should a row still not fit.
 */
export function DataTable<Row>({
  rows,
  columns,
  rowKey,
  rowTestId,
  empty,
  label,
  testId,
}: {
  rows: readonly Row[];
  columns: readonly Column<Row>[];
  rowKey: (row: Row) => string;
  rowTestId?: (row: Row) => string;
  /** What to say when there are no rows. */
  empty: ReactNode;
  /** The table's accessible name. */
  label: string;
  testId?: string;
}) {
  if (rows.length === 0) return <p className="text-sm text-stone-500">{empty}</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" aria-label={label} data-testid={testId}>
        <thead className="text-stone-500 max-sm:sr-only">
          <tr>
            {columns.map((column) => (
              <th key={column.key} scope="col" className={`py-2 pr-4 font-medium last:pr-0 ${column.align === 'right' ? 'text-right' : ''}`}>
                {column.hideHeader ? <span className="sr-only">{column.header}</span> : column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-stone-100">
          {rows.map((row) => (
            <tr key={rowKey(row)} data-testid={rowTestId?.(row)} className="max-sm:flex max-sm:flex-wrap max-sm:items-center max-sm:gap-x-3 max-sm:gap-y-1 max-sm:py-3">
              {columns.map((column) => (
                <td
                  key={column.key}
                  className={`py-2 pr-4 align-top last:pr-0 max-sm:p-0 ${column.align === 'right' ? 'text-right tabular-nums max-sm:text-left' : ''} ${column.className ?? ''}`}
                >
                  {column.unlabelled || column.hideHeader ? null : <span className="mr-1 text-stone-500 sm:hidden">{column.header}:</span>}
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
