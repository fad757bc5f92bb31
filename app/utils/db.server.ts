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

/** The shared pool itself, for `sql` calls that pass a client explicitly. */
export const sqlPool = () => pool;

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
 */
export async function sql<Row extends pg.QueryResultRow>(text: string, values: unknown[], client: SqlClient = pool) {
  const result = await client.query<Row>({ text, values, types: utcTypes });
  return result.rows;
}

/** Runs `work` in one READ COMMITTED transaction on one pooled connection, for hot paths written in SQL. */
export async function sqlTransaction<T>(work: (client: pg.PoolClient) => Promise<T>) {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
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

/**
 * Runs statements as one transaction in ONE round trip: BEGIN, the statements and COMMIT go to Postgres as one
 * simple-protocol message, their values written in as literals (that protocol has no parameters; every statement
 * casts its values, e.g. `$1::text[]`). Locks a statement takes are held only while Postgres runs the rest and
 * commits, never while this process's event loop is busy elsewhere (ADR 0060). Returns each statement's rows.
 */
export async function sqlScript(statements: { text: string; values: unknown[] }[], { durable = true }: { /** false: `synchronous_commit = off` (see the caller's reason). */ durable?: boolean } = {}) {
  const script = statements.map(({ text, values }) => text.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1])));
  const begin = durable ? ["BEGIN"] : ["BEGIN", "SET LOCAL synchronous_commit = off"];
  const client = await pool.connect();
  try {
    const results = (await client.query({ text: [...begin, ...script, "COMMIT"].join(";\n"), types: utcTypes })) as unknown as pg.QueryResult[];
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
