import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import * as schema from '@/db/schema';
import { DELETED_TABLES, PERSONAL_COLUMN_NAME, PERSONAL_COLUMNS } from './inventory';

const tables = (Object.values(schema) as unknown[]).filter((value): value is PgTable => value instanceof PgTable).map((table) => getTableConfig(table));
const schemaColumns = new Set(tables.flatMap((table) => table.columns.map((column) => `${table.name}.${column.name}`)));

describe('the personal data inventory', () => {
  it('covers every column whose name looks personal (email, name, phone, address, …): erased, or kept with a reason', () => {
    const uncovered = tables.flatMap((table) =>
      DELETED_TABLES[table.name] ? [] : table.columns.filter((column) => PERSONAL_COLUMN_NAME.test(column.name) && !PERSONAL_COLUMNS[`${table.name}.${column.name}`]).map((column) => `${table.name}.${column.name}`),
    );
    // A column listed here is new: say in lib/privacy/inventory.ts what erasure does with it, and do it in lib/privacy/erase.ts.
    expect(uncovered).toEqual([]);
  });

  it('names only tables and columns the schema has, so a renamed column cannot leave a stale promise', () => {
    expect(Object.keys(PERSONAL_COLUMNS).filter((column) => !schemaColumns.has(column))).toEqual([]);
    expect(Object.keys(DELETED_TABLES).filter((name) => !tables.some((table) => table.name === name))).toEqual([]);
  });

  it('catches a new column such as a billing name or a phone number', () => {
    for (const name of ['billing_name', 'phone', 'shipping_address', 'contact_email', 'email', 'name']) expect(PERSONAL_COLUMN_NAME.test(name), name).toBe(true);
    for (const name of ['amount', 'currency', 'provider_payment_id', 'status']) expect(PERSONAL_COLUMN_NAME.test(name), name).toBe(false);
  });
});
