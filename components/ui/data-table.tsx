import type { ReactNode } from 'react';
import { ClientLinks } from './client-links';

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
 *
 * The styling lives once in app/globals.css (`.data-table`), and a cell's phone label is its
 * `data-label` drawn by CSS: a console page renders thousands of cells, and a class list and a
 * label element repeated in each made up most of the page's weight and its render time.
 */
export function DataTable<Row>({
  rows,
  columns,
  rowKey,
  rowTestId,
  empty,
  label,
  testId,
  clientLinks = false,
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
  /** The cells' plain links navigate without a full page load (components/ui/client-links.tsx). */
  clientLinks?: boolean;
}) {
  if (rows.length === 0) return <p className="text-sm text-stone-500">{empty}</p>;
  const table = (
    <table className="data-table" aria-label={label} data-testid={testId}>
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column.key} scope="col" data-align={column.align}>
              {column.hideHeader ? <span className="sr-only">{column.header}</span> : column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)} data-testid={rowTestId?.(row)}>
            {columns.map((column) => (
              <td key={column.key} data-align={column.align} data-label={column.unlabelled || column.hideHeader ? undefined : column.header} className={column.className}>
                {column.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
  return clientLinks ? <ClientLinks className="overflow-x-auto">{table}</ClientLinks> : <div className="overflow-x-auto">{table}</div>;
}
