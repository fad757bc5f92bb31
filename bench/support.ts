import { randomBytes } from "node:crypto";
import { createMigratedDatabase, databaseUrl, dropDatabase } from "../tests/support/database";
import { ensureRandomSessionSecret } from "../tests/support/processes";

/** A fresh migrated database and Redis prefix for one benchmark run; set before app modules load. */
export async function benchEnvironment(name: string) {
  const database = `startline_bench_${name}_${randomBytes(3).toString("hex")}`;
  await createMigratedDatabase(database);
  process.env.DATABASE_URL = databaseUrl(database);
  process.env.REDIS_PREFIX = `bench-${database}`;
  process.env.LOG_LEVEL = "warn";
  ensureRandomSessionSecret();
  return { database, drop: () => dropDatabase(database) };
}

export function percentile(sorted: number[], p: number) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export type ReportRow = {
  measure: string;
  ours: number;
  reference: number;
  /** Goal as a ratio ours / reference (lower is better). */
  maxRatio?: number;
  /** Goal as a ratio ours / reference (higher is better), e.g. throughput. */
  minRatio?: number;
  /** A goal that is not a ratio, with its verdict. */
  goal?: string;
  pass?: boolean;
  note?: string;
};

/**
 * Prints one row of the benchmark table as a tagged JSON line; `npm run bench` gathers them from every
 * benchmark into one table (measure, Startline, reference, ratio, goal, pass/fail).
 */
export function reportRow(row: ReportRow) {
  console.log(`BENCH_ROW ${JSON.stringify(row)}`);
}
