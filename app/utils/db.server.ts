import { PrismaPg } from "@prisma/adapter-pg";
import { Prisma, PrismaClient } from "@prisma/client";
import pg from "pg";
import { getEnv } from "./env.server";
import { singleton } from "./singleton.server";

/**
 * Bounds of every interactive transaction unless it sets its own: Prisma's defaults (2 s to get a connection,
 * 5 s in all) fail sound work under load, when transactions queue for the pool or wait on a row lock another
 * one holds (docs/decisions/0030-recovery-without-restarts.md).
 */
export const TRANSACTION_DEFAULTS = { maxWait: 10_000, timeout: 30_000 } as const;

/**
 * The process's one pool of Postgres connections (DATABASE_POOL_SIZE), shared by Prisma and by the few hot paths
 * that send their own SQL (`sql` below, ADR 0045). Idle connections do not keep a finished process alive.
 */
const pool = singleton("pg-pool", () => {
  const env = getEnv();
  const created = new pg.Pool({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_SIZE, allowExitOnIdle: true });
  created.on("error", () => {
    // An idle connection that broke is dropped by the pool; the next query opens a new one.
  });
  return created;
});

/**
 * Connections of their own for the batches of holds (ADR 0114): a batch of a race's holds is written on one while the
 * rush behind it queues for the shared pool to read its carts. On the shared pool the batch would queue behind every
 * one of those reads (the pool serves in arrival order), and the reads would go on seeing places the waiting batch is
 * about to take. A process has at most one batch per race under way; a batch that finds both of these connections
 * busy (two other races in a rush at once) writes on the shared pool instead, so it never waits for one.
 */
const HOLD_CONNECTIONS = 2;
const holdPool = singleton("pg-hold-pool", () => {
  const created = new pg.Pool({ connectionString: getEnv().DATABASE_URL, max: HOLD_CONNECTIONS, idleTimeoutMillis: 30_000, allowExitOnIdle: true });
  created.on("error", () => undefined);
  return created;
});

/** A connection of the hold pool is free now (or may be opened), so taking one does not wait. */
const holdConnectionFree = () => holdPool.waitingCount === 0 && (holdPool.idleCount > 0 || holdPool.totalCount < HOLD_CONNECTIONS);

/** Closes the hold pool's connections (process shutdown). */
export const closeHoldConnections = () => holdPool.end();

/**
 * A connection of its own for readiness checks: a probe must answer within its bound whatever the shared pool is
 * doing (every connection busy under load, or all of them waiting on a database that went away), so it never
 * queues behind the app's queries. One connection, opened on demand and closed when idle.
 */
const readinessPool = singleton("pg-readiness-pool", () => {
  const created = new pg.Pool({ connectionString: getEnv().DATABASE_URL, max: 1, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 1_000, allowExitOnIdle: true });
  created.on("error", () => undefined);
  return created;
});

/** Whether Postgres answers `SELECT 1` now (rejects otherwise), outside the shared pool. */
export async function pingDatabase() {
  await readinessPool.query({ text: "SELECT 1", query_timeout: 1_000 } as pg.QueryConfig);
}

/** Closes the readiness connection (process shutdown). */
export const closeReadiness = () => readinessPool.end();

/** The shared pool itself, for `sql` calls that pass a client explicitly. */
export const sqlPool = () => pool;

/** Every pool this process queries through (not the readiness probe's): to count what reaches Postgres. */
export const sqlPools = () => [pool, holdPool];

export const db = singleton("prisma", () => new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: TRANSACTION_DEFAULTS }));

/** `timestamp(3)` columns hold UTC without an offset (as Prisma writes them): read them as UTC whatever the process's time zone. */
const utcTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === pg.types.builtins.TIMESTAMP) return (value: string) => new Date(`${value.replace(" ", "T")}Z`);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export type SqlClient = Pick<pg.Pool, "query"> | pg.PoolClient;

/**
 * One SQL statement through the shared pool, without Prisma's per-query work (about 0.8 ms of CPU per query here,
 * against 0.07 ms for pg itself: ADR 0045). For the hot paths only; pass dates as ISO strings cast to `timestamp`.
 * `name` makes it a prepared statement on each connection (parsed and planned once per connection instead of on
 * every call: ADR 0065); the text under one name must never change.
 */
export async function sql<Row extends pg.QueryResultRow>(text: string, values: unknown[], client: SqlClient = pool, name?: string) {
  const result = await client.query<Row>({ text, values, types: utcTypes, ...(name ? { name } : {}) });
  return result.rows;
}

/**
 * One connection outside the pool that only forces WAL flushes, so it never queues behind a rush for the pool.
 * Opened on first use; it does not keep a finished process alive.
 */
const flusher = singleton("pg-wal-flusher", () => ({ client: null as Promise<pg.Client> | null }));
async function flusherClient() {
  flusher.client ??= (async () => {
    const client = new pg.Client({ connectionString: getEnv().DATABASE_URL });
    const forget = () => {
      flusher.client = null;
    };
    client.on("error", forget).on("end", forget);
    await client.connect();
    (client as unknown as { connection?: { stream?: { unref?(): void } } }).connection?.stream?.unref?.();
    return client;
  })().catch((error: unknown) => {
    flusher.client = null;
    throw error;
  });
  return flusher.client;
}

/** A transaction with an id and synchronous commit: its commit flushes the WAL up to its own record, and so every earlier commit. */
async function flushWal() {
  const client = await flusherClient();
  await client.query("SELECT txid_current()");
}

const walFlush = singleton("pg-wal-flush", () => ({ running: null as Promise<void> | null, next: null as Promise<void> | null }));

/**
 * Resolves once every transaction committed before the call is on disk (ADR 0066). A hot path commits with
 * `synchronous_commit = off` so its row locks are not held across the disk sync, then waits here before it tells
 * anyone: callers that arrive while a flush runs share the next one (group commit outside the row lock).
 */
export function awaitWalFlush(): Promise<void> {
  if (!walFlush.running) {
    walFlush.running = flushWal().finally(() => {
      walFlush.running = null;
    });
    return walFlush.running;
  }
  // The running flush may have started before our commit: wait for the one after it.
  walFlush.next ??= walFlush.running
    .catch(() => undefined)
    .then(() => {
      walFlush.next = null;
      return awaitWalFlush();
    });
  return walFlush.next;
}

/** A value written into SQL text as a literal (strings escaped by pg), for `sqlScript`. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (Array.isArray(value)) return `ARRAY[${value.map(literal).join(", ")}]`;
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} into SQL`);
    return `(${value})`;
  }
  return pg.escapeLiteral(value instanceof Date ? value.toISOString() : String(value));
}

/** A statement for `sqlScript`; one with a `name` is prepared once per connection and run with EXECUTE after. */
export type ScriptStatement = { text: string; values: unknown[]; name?: string };

/** The statements `sqlScript` prepared on each connection (a connection is a session: they last as long as it). */
const preparedOnConnection = new WeakMap<pg.PoolClient, Set<string>>();

/** One statement of a script: its text with the values written in, or EXECUTE of the connection's prepared copy. */
function scriptLine({ text, values, name }: ScriptStatement) {
  if (!name) return text.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1]));
  // An empty ARRAY[] has no type of its own; '{}' takes the parameter's.
  const args = values.map((value) => (Array.isArray(value) && value.length === 0 ? "'{}'" : literal(value)));
  return args.length ? `EXECUTE ${name}(${args.join(", ")})` : `EXECUTE ${name}`;
}

/**
 * Runs statements as one transaction in ONE round trip: BEGIN, the statements and COMMIT go to Postgres as one
 * simple-protocol message, their values written in as literals (that protocol has no parameters; every statement
 * casts its values, e.g. `$1::text[]`). Locks a statement takes are held only while Postgres runs the rest and
 * commits, never while this process's event loop is busy elsewhere (ADR 0060). Returns each statement's rows.
 * A named statement is prepared on the connection the first time it runs there (its own round trip, before the
 * transaction) and then only executed: Postgres plans it once per connection instead of on every run (ADR 0112).
 * The text under one name must never change.
 */
export async function sqlScript(
  statements: ScriptStatement[],
  {
    durable = true,
    holdConnection = false,
  }: {
    /** false: `synchronous_commit = off` (see the caller's reason). */
    durable?: boolean;
    /** On a connection of the hold pool if one is free, not behind the shared pool's queue (ADR 0114). */
    holdConnection?: boolean;
  } = {},
) {
  const begin = ["BEGIN"];
  if (!durable) begin.push("SET LOCAL synchronous_commit = off");
  // Prepared statements run on their generic plan: left to choose, Postgres planned them afresh on a third of the runs.
  if (statements.some((statement) => statement.name)) begin.push("SET LOCAL plan_cache_mode = force_generic_plan");
  const client = await (holdConnection && holdConnectionFree() ? holdPool : pool).connect();
  try {
    const prepared = preparedOnConnection.get(client) ?? new Set<string>();
    preparedOnConnection.set(client, prepared);
    for (const { name, text } of statements) {
      if (!name || prepared.has(name)) continue;
      await client.query(`PREPARE ${name} AS ${text}`);
      prepared.add(name);
    }
    const results = (await client.query({ text: [...begin, ...statements.map(scriptLine), "COMMIT"].join(";\n"), types: utcTypes })) as unknown as pg.QueryResult[];
    return results.slice(begin.length, -1).map((result) => result.rows);
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Postgres refused a row for a unique index (code 23505), through `sql`. */
export function isSqlUniqueViolation(error: unknown) {
  return error instanceof pg.DatabaseError && error.code === "23505";
}

/** A Prisma client or an interactive transaction client: services accept either. */
export type Db = PrismaClient | Prisma.TransactionClient;

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

/** A statement for `sql` (or Prisma's `$queryRawUnsafe`) from a template: each `${value}` becomes $1, $2 …; dates go as ISO strings. */
export function sqlText(strings: TemplateStringsArray, ...values: unknown[]) {
  return { text: strings.reduce((text, part, i) => `${text}$${i}${part}`), values: values.map((v) => (v instanceof Date ? v.toISOString() : v)) };
}
