import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from '@/db/schema';
import { listTransactions, TransactionQuery } from '@/lib/billing/admin/transactions';
const sql = postgres('postgres://postgres@127.0.0.1:5432/cardsearch_explain', { onnotice: () => {} });
const captured: { query: string; params: unknown[] }[] = [];
const db = drizzle(sql, { schema, logger: { logQuery: (query, params) => captured.push({ query, params }) } });
for (const q of ['9999']) {
  captured.length = 0;
  await listTransactions(db, TransactionQuery.parse({ q }));
  const { query, params } = captured[0]!;
  const plan = await sql.unsafe(`explain (analyze, buffers, costs off) ${query}`, params as never[]);
  console.log(`\n=== q=${q}: 5,000 matches, all among the oldest 5,000 payments`);
  for (const row of plan) console.log(row['QUERY PLAN']);
  const alone = await sql.unsafe(`explain (analyze, buffers, costs off) select id from payments where card_last4 = '9999' order by created_at desc, id desc limit 51`);
  console.log('\n=== card_last4 alone (no OR), same data');
  for (const row of alone) console.log(row['QUERY PLAN']);
}
await sql.end();
