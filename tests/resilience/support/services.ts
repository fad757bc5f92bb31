import { execFile, execFileSync, spawn } from "node:child_process";
import { promisify } from "node:util";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { Redis } from "ioredis";

/**
 * Private Redis and PostgreSQL servers for fault scenarios: each on a spare loopback port, in a temporary
 * directory, so stopping and restarting them never touches the shared services (5432, 6379).
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port nobody listens on right now (the kernel's pick for port 0). */
export function sparePort() {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms`);
}

/**
 * A redis-server of its own, without persistence: a restart comes back empty, as a cache node or a
 * replaced container does.
 */
export async function startPrivateRedis() {
  const port = await sparePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ReturnType<typeof spawn> | undefined;
  const ping = async () => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === "PONG";
    } finally {
      client.disconnect();
    }
  };
  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxclients", "20000"], { stdio: "ignore" });
    const started = child;
    process.once("exit", () => started.kill("SIGKILL"));
    await until(ping, `redis-server on ${port}`);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    // SIGKILL: the server and its data vanish at once, like a crashed node.
    running.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    url,
    port,
    /** Stops the server (its data is gone); `start` brings up an empty one on the same port. */
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    close: stop,
  };
}

/** The newest installed PostgreSQL's bin directory (initdb, pg_ctl), e.g. /usr/lib/postgresql/16/bin. */
function postgresBin() {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (install the postgresql package)");
  return join(root, newest, "bin");
}

/** A PostgreSQL binary's command line, run as the postgres user when this is root (initdb refuses root). */
function asPostgresUser(binary: string, args: string[]): [string, string[]] {
  const command = join(postgresBin(), binary);
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

/** Runs a PostgreSQL binary and waits, blocking: for set-up and for the exit hook only. */
function asPostgres(binary: string, args: string[]) {
  return execFileSync(...asPostgresUser(binary, args), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * Runs a PostgreSQL binary without blocking this process: a scenario keeps sending requests and timing answers
 * while `pg_ctl` stops or starts the server (a blocked test process would charge its own pause to the app).
 */
async function asPostgresInBackground(binary: string, args: string[]) {
  await promisify(execFile)(...asPostgresUser(binary, args), { encoding: "utf8" });
}

/**
 * A PostgreSQL cluster of its own (initdb into a temporary directory), listening on a spare loopback port.
 * fsync is off: the scenarios restart it cleanly or crash the processes around it, never the machine.
 */
export async function startPrivatePostgres() {
  const port = await sparePort();
  const dir = mkdtempSync(join(tmpdir(), "startline-pg-"));
  const data = join(dir, "data");
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  asPostgres("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
  const url = (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  const accepting = async () => {
    const client = new pg.Client({ connectionString: url("postgres"), connectionTimeoutMillis: 1_000 });
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.query("SELECT 1");
      return true;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  let running = false;
  const start = async () => {
    await asPostgresInBackground("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"]);
    running = true;
    await until(accepting, `PostgreSQL on ${port}`);
  };
  /** `fast` disconnects every client and shuts down cleanly; `immediate` is a crash (recovery on the next start). */
  const stop = async (mode: "fast" | "immediate" = "fast") => {
    if (!running) return;
    await asPostgresInBackground("pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "60", "stop"]);
    running = false;
  };
  // Never outlive the test runner, even if its teardown does not run.
  process.once("exit", () => {
    if (running) asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "stop"]);
  });
  await start();
  return {
    port,
    url,
    stop,
    start,
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: url("postgres") });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async close() {
      await stop("immediate").catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
