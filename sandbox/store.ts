import postgres, { type Sql, type TransactionSql } from 'postgres';

/**
 * The sandbox's state, in its own PostgreSQL schema (`sandbox`) beside Billfold's tables, so it
 * survives restarts. Provider objects are stored as the JSON Stripe would return, one row each;
 * the HTTP layer expands and paginates them.
 */

const SCHEMA = `
create schema if not exists sandbox;
create table if not exists sandbox.objects (
  id text primary key,
  type text not null,
  seq bigserial not null,
  created bigint not null,
  data jsonb not null
);
create index if not exists objects_type_seq on sandbox.objects (type, seq desc);
create index if not exists objects_customer on sandbox.objects (type, (data->>'customer'), seq desc);
create index if not exists objects_payment_intent on sandbox.objects (type, (data->>'payment_intent'), seq desc);
-- When an object next needs the sandbox's attention with no request (a renewal, a retry), as
-- its module's DueTime says; the wall-clock scheduler finds what is due through this index.
-- Objects on a test clock move only when their clock does, so the index leaves them out.
alter table sandbox.objects add column if not exists due_at bigint;
create index if not exists objects_due on sandbox.objects (due_at) where due_at is not null and data->>'test_clock' is null;
create table if not exists sandbox.idempotency_keys (
  scope text not null,
  key text not null,
  request_hash text not null,
  state text not null,
  status integer,
  body text,
  created_at timestamptz not null default now(),
  primary key (scope, key)
);
create table if not exists sandbox.deliveries (
  id bigserial primary key,
  event_id text not null,
  endpoint_id text not null,
  status text not null default 'pending',
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_status integer,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- Whose dispatcher sends the delivery: each provider signs and sends its own events.
alter table sandbox.deliveries add column if not exists provider text not null default 'stripe';
drop index if exists sandbox.deliveries_due;
create index if not exists deliveries_due_by_provider on sandbox.deliveries (provider, next_attempt_at) where status = 'pending';
create table if not exists sandbox.delivery_attempts (
  id bigserial primary key,
  delivery_id bigint not null references sandbox.deliveries (id) on delete cascade,
  attempted_at timestamptz not null default now(),
  status integer,
  duration_ms integer not null,
  error text
);
`;

export interface StoredObject {
  id: string;
  object: string;
  created: number;
}

export interface ListQuery {
  filters?: Record<string, string | undefined>;
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
  createdGte?: number;
  createdLte?: number;
  /** JSON the object must contain (`data @> contains`), e.g. a price among a subscription's items. */
  contains?: object;
  /** `data->>field` must be one of the values. */
  anyOf?: Record<string, string[]>;
  /** `data->>field` must be none of the values. */
  noneOf?: Record<string, string[]>;
}

/** When a stored object next needs attention on its own (Unix seconds), or null: written with the object. */
export type DueTime = (object: StoredObject) => number | null;

export class Store {
  readonly sql: Sql;
  /** By object type; objects of other types are never due. */
  private readonly dueTimes = new Map<string, DueTime>();

  constructor(url: string) {
    // The sandbox is an emulator: a lost write after a crash is acceptable, latency is not.
    this.sql = postgres(url, { max: 8, onnotice: () => {}, connection: { application_name: 'billfold-sandbox', synchronous_commit: 'off' } });
  }

  async migrate(): Promise<void> {
    await this.sql.unsafe(SCHEMA);
  }

  async reset(): Promise<void> {
    await this.sql`truncate sandbox.objects, sandbox.idempotency_keys, sandbox.deliveries, sandbox.delivery_attempts restart identity`;
  }

  /**
   * Has every insert and save of a `type` object store `due(object)` in `due_at`, and fills it
   * in for the objects stored before (a database that predates the column, or the function).
   */
  async trackDueTime(type: string, due: DueTime): Promise<void> {
    this.dueTimes.set(type, due);
    const rows = await this.sql<{ data: StoredObject }[]>`select data from sandbox.objects where type = ${type} and due_at is null`;
    for (const { data } of rows) {
      const at = due(data);
      if (at !== null) await this.sql`update sandbox.objects set due_at = ${at} where id = ${data.id} and due_at is null`;
    }
  }

  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.sql.begin((sql) => fn(new Tx(sql, this.dueTimes))) as Promise<T>;
  }

  /** Reads outside a transaction. */
  get reader(): Tx {
    return new Tx(this.sql, this.dueTimes);
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}

export class Tx {
  constructor(
    readonly sql: Sql | TransactionSql,
    private readonly dueTimes: ReadonlyMap<string, DueTime> = new Map(),
  ) {}

  private dueAt(object: StoredObject): number | null {
    return this.dueTimes.get(object.object)?.(object) ?? null;
  }

  async get<T extends StoredObject>(type: string, id: string): Promise<T | null> {
    const [row] = await this.sql<{ data: T }[]>`select data from sandbox.objects where id = ${id} and type = ${type}`;
    return row?.data ?? null;
  }

  /** Any object by id, whatever its type (for expand). */
  async getAny<T extends StoredObject = StoredObject>(id: string): Promise<T | null> {
    const [row] = await this.sql<{ data: T }[]>`select data from sandbox.objects where id = ${id}`;
    return row?.data ?? null;
  }

  /** Locks the row until the transaction ends, so concurrent changes to one object serialise. */
  async getForUpdate<T extends StoredObject>(type: string, id: string): Promise<T | null> {
    const [row] = await this.sql<{ data: T }[]>`select data from sandbox.objects where id = ${id} and type = ${type} for update`;
    return row?.data ?? null;
  }

  async insert<T extends StoredObject>(object: T): Promise<T> {
    await this.sql`insert into sandbox.objects (id, type, created, data, due_at) values (${object.id}, ${object.object}, ${object.created}, ${this.sql.json(object as never)}, ${this.dueAt(object)})`;
    return object;
  }

  async save<T extends StoredObject>(object: T): Promise<T> {
    await this.sql`update sandbox.objects set data = ${this.sql.json(object as never)}, due_at = ${this.dueAt(object)} where id = ${object.id}`;
    return object;
  }

  async remove(id: string): Promise<void> {
    await this.sql`delete from sandbox.objects where id = ${id}`;
  }

  /** Newest first, as Stripe lists; `starting_after`/`ending_before` page by object id. */
  async list<T extends StoredObject>(type: string, query: ListQuery): Promise<{ data: T[]; hasMore: boolean }> {
    const sql = this.sql;
    const cursorId = query.startingAfter ?? query.endingBefore;
    let cursorSeq: number | undefined;
    if (cursorId) {
      const [row] = await sql<{ seq: string }[]>`select seq from sandbox.objects where id = ${cursorId} and type = ${type}`;
      if (!row) return { data: [], hasMore: false };
      cursorSeq = Number(row.seq);
    }
    const conditions = [sql`type = ${type}`];
    for (const [field, value] of Object.entries(query.filters ?? {})) {
      if (value !== undefined) conditions.push(sql`data->>${field} = ${value}`);
    }
    if (query.createdGte !== undefined) conditions.push(sql`created >= ${query.createdGte}`);
    if (query.createdLte !== undefined) conditions.push(sql`created <= ${query.createdLte}`);
    if (query.contains) conditions.push(sql`data @> ${sql.json(query.contains as never)}`);
    for (const [field, values] of Object.entries(query.anyOf ?? {})) conditions.push(sql`data->>${field} in ${sql(values)}`);
    for (const [field, values] of Object.entries(query.noneOf ?? {})) conditions.push(sql`data->>${field} not in ${sql(values)}`);
    if (cursorSeq !== undefined) conditions.push(query.startingAfter ? sql`seq < ${cursorSeq}` : sql`seq > ${cursorSeq}`);
    const where = conditions.reduce((acc, condition) => sql`${acc} and ${condition}`);
    const ascending = Boolean(query.endingBefore);
    const rows = await sql<{ data: T }[]>`
      select data from sandbox.objects where ${where}
      order by seq ${ascending ? sql`asc` : sql`desc`}
      limit ${query.limit + 1}`;
    const hasMore = rows.length > query.limit;
    const page = rows.slice(0, query.limit).map((row) => row.data);
    return { data: ascending ? page.reverse() : page, hasMore };
  }
}
