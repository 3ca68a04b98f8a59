import postgres, { type ReservedSql, type Sql } from 'postgres';

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
-- lz4 compresses the larger objects (an event carries a whole resource) for a fraction of the
-- CPU of PostgreSQL's default; a server built without lz4 keeps its default.
do $$ begin
  if (select attcompression from pg_attribute where attrelid = 'sandbox.objects'::regclass and attname = 'data') is distinct from 'l' then
    alter table sandbox.objects alter column data set compression lz4;
  end if;
exception when feature_not_supported or undefined_column then null;
end $$;
-- Only objects that have the field are indexed by it (PayPal's never do): an object without it
-- costs no index entry, on every insert and every update alike.
drop index if exists sandbox.objects_customer;
drop index if exists sandbox.objects_payment_intent;
create index if not exists objects_by_customer on sandbox.objects (type, (data->>'customer'), seq desc) where data->>'customer' is not null;
create index if not exists objects_by_payment_intent on sandbox.objects (type, (data->>'payment_intent'), seq desc) where data->>'payment_intent' is not null;
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

  /**
   * Runs `fn` in a transaction on one connection, pipelined: BEGIN goes out with the first
   * statement, and the writes whose answer nobody waits for (`Tx.behind`) go out with COMMIT. A
   * connection runs its statements in order, so a read still sees every write before it; a write
   * that fails fails the whole transaction at COMMIT, and everything is rolled back.
   */
  async tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const connection = await this.sql.reserve();
    const tx = new Tx(connection, this.dueTimes, true);
    try {
      tx.behind(connection`begin`);
      const result = await fn(tx);
      await tx.settle(connection`commit`);
      return result;
    } catch (error) {
      await connection`rollback`.catch(() => undefined);
      // A write sent behind that failed is the cause; what failed after it only saw the transaction aborted.
      throw tx.failure ?? error;
    } finally {
      connection.release();
    }
  }

  /** Reads outside a transaction. */
  get reader(): Tx {
    return new Tx(this.sql, this.dueTimes);
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}

/** A statement postgres.js has not sent yet (it sends on `then` or `execute`). */
interface Pending<R> extends PromiseLike<R> {
  execute(): unknown;
}

export class Tx {
  /** The writes sent without waiting for their answers; COMMIT waits for them all. */
  private readonly inFlight: Promise<unknown>[] = [];
  /** The first of them that failed. */
  failure: unknown;

  constructor(
    readonly sql: Sql | ReservedSql,
    private readonly dueTimes: ReadonlyMap<string, DueTime> = new Map(),
    /** Inside `Store.tx`: writes need not be waited for one by one. */
    private readonly pipelined = false,
  ) {}

  /**
   * Sends a write now and answers without waiting for it, when in a transaction (elsewhere it
   * waits): its answer comes with the transaction's end, where a failure rolls everything back.
   * `then` sees its rows before the transaction ends.
   */
  async behind<R>(statement: Pending<R>, then?: (rows: R) => void): Promise<void> {
    statement.execute();
    const done = Promise.resolve(statement).then((rows) => then?.(rows));
    if (!this.pipelined) return done;
    // Kept, not awaited: a failure is reported by settle (and is not an unhandled rejection meanwhile).
    done.catch((error: unknown) => {
      this.failure ??= error;
    });
    this.inFlight.push(done);
  }

  /** Waits for every write sent behind, then for the statement that ends the transaction. */
  async settle(end: Pending<unknown>): Promise<void> {
    end.execute();
    const ending = Promise.resolve(end);
    ending.catch(() => undefined);
    await Promise.all(this.inFlight);
    await ending;
  }

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
    await this.behind(this.sql`insert into sandbox.objects (id, type, created, data, due_at) values (${object.id}, ${object.object}, ${object.created}, ${this.sql.json(object as never)}, ${this.dueAt(object)})`);
    return object;
  }

  async save<T extends StoredObject>(object: T): Promise<T> {
    await this.behind(this.sql`update sandbox.objects set data = ${this.sql.json(object as never)}, due_at = ${this.dueAt(object)} where id = ${object.id}`);
    return object;
  }

  async remove(id: string): Promise<void> {
    await this.behind(this.sql`delete from sandbox.objects where id = ${id}`);
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
