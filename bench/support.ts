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

/**
 * Samples what the database's backends are doing (pg_stat_activity: state and wait event) every `everyMs`
 * while `work` runs, and returns the mean number of backends in each state: the evidence for where a
 * benchmark's time goes (waiting on a row lock, idle in transaction while Node works, executing).
 */
export async function sampleActivity<T>(connectionString: string, work: () => Promise<T>, everyMs = 20) {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString });
  await client.connect();
  const totals = new Map<string, number>();
  let samples = 0;
  let running = true;
  const sampling = (async () => {
    while (running) {
      const { rows } = await client.query<{ what: string; n: number }>(
        `SELECT coalesce(state, '?') || coalesce(':' || wait_event_type || ':' || wait_event, '') AS what, count(*)::int AS n
         FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY 1`,
      );
      samples += 1;
      for (const { what, n } of rows) totals.set(what, (totals.get(what) ?? 0) + n);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  try {
    const result = await work();
    return { result, activity: Object.fromEntries([...totals].sort((a, b) => b[1] - a[1]).map(([what, n]) => [what, +(n / Math.max(1, samples)).toFixed(2)])) };
  } finally {
    running = false;
    await sampling;
    await client.end();
  }
}

/**
 * With BENCH_CPU_PROFILE=<dir>, records a CPU profile of this process while `work` runs only (not the setup or
 * the reference), written to <dir>/<name>.cpuprofile (open in Chrome DevTools or summarise by package).
 */
export async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return work();
  const { Session } = await import("node:inspector/promises");
  const { mkdir, writeFile } = await import("node:fs/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  try {
    return await work();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}/${name}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  }
}

/** CPU time (ms, user + system, and the system part) used so far by each process whose command name is in `names` or whose pid is given. */
async function cpuByProcess(pids: Record<string, number | undefined>, names: string[]) {
  const { readFile, readdir } = await import("node:fs/promises");
  const ticksToMs = 10; // USER_HZ is 100 on Linux
  const used = Object.fromEntries([...Object.keys(pids), ...names].map((key) => [key, { all: 0, system: 0 }]));
  const byPid = new Map(Object.entries(pids).filter(([, pid]) => pid).map(([key, pid]) => [pid!, key]));
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => null);
    if (!stat) continue;
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const key = byPid.get(Number(entry)) ?? names.find((name) => comm.startsWith(name));
    if (!key) continue;
    used[key]!.all += (Number(fields[11]) + Number(fields[12])) * ticksToMs;
    used[key]!.system += Number(fields[12]) * ticksToMs;
  }
  return used;
}

/**
 * The CPU each process used while `work` ran (from /proc: the given pids, every `postgres` and `redis-server` process,
 * and this one), in ms, and the part of it spent in the kernel (system calls: sockets, pipes, files): where a
 * throughput limit's cost goes on a machine whose cores are all busy. Postgres backends that exit during `work` are
 * not counted.
 */
export async function measureCpu<T>(pids: Record<string, number | undefined>, work: () => Promise<T>) {
  const names = ["postgres", "redis-server"];
  const [before, benchBefore] = [await cpuByProcess(pids, names), process.cpuUsage()];
  const result = await work();
  const [after, bench] = [await cpuByProcess(pids, names), process.cpuUsage(benchBefore)];
  const used = (part: "all" | "system") => Object.fromEntries(Object.keys(after).map((key) => [key, after[key]![part] - before[key]![part]]));
  const cpuMs: Record<string, number> = { ...used("all"), bench: (bench.user + bench.system) / 1000 };
  const systemMs: Record<string, number> = { ...used("system"), bench: bench.system / 1000 };
  return { result, cpuMs, systemMs };
}
