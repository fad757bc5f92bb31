import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { expect, inject } from "vitest";
import { startOpenAiDouble } from "../../mocks/openai";
import { startSmtpDouble } from "../../mocks/smtp";
import { startStripeDouble } from "../../mocks/stripe";
import { cloneDatabase, databaseUrl, dropDatabase } from "../../support/database";
import { ensureRandomSessionSecret, startProcess, type RunningProcess } from "../../support/processes";
import { startPrivatePostgres, startPrivateRedis } from "./services";

/**
 * One scenario's world: its own Redis server, its own database (a clone of the run's template on the shared
 * server, or a database on a PostgreSQL cluster of its own when the scenario restarts PostgreSQL), the Stripe,
 * SMTP and OpenAI doubles, and the real web and worker entry points started (and killed) as processes.
 *
 * It sets this test process's environment to the same configuration, so app modules imported AFTER
 * `prepareStack` (with `await import(...)`) talk to the same database, Redis and doubles as the processes.
 */
export type StackOptions = {
  /** A PostgreSQL cluster of its own, for scenarios that stop and start PostgreSQL. */
  privatePostgres?: boolean;
  /** Extra environment for the app processes (and this process). */
  env?: Record<string, string>;
  /** Pause between streamed chunks of the OpenAI double's replies. */
  aiChunkDelayMs?: number;
};

export type AppProcess = RunningProcess & { name: string; pid: number };
export type WebProcess = AppProcess & { url: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where each process's log is written when the scenario ends (kept for a post-mortem and as a CI artifact). */
export const LOG_DIR = "tests/.tmp/resilience";

export async function prepareStack(options: StackOptions = {}) {
  const scenarioId = randomBytes(3).toString("hex");
  const scenarioName = basename(expect.getState().testPath ?? `scenario-${scenarioId}`, ".test.ts");
  const everyProcess: AppProcess[] = [];
  const redis = await startPrivateRedis();
  const postgres = options.privatePostgres ? await startPrivatePostgres() : undefined;
  let database: string;
  let dropOwnDatabase: (() => Promise<void>) | undefined;
  if (postgres) {
    database = await postgres.createDatabase("startline");
    execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: database }, stdio: ["ignore", "ignore", "inherit"] });
  } else {
    const { runId, template } = inject("testRun");
    const name = `startline_test_${runId}_resilience_${scenarioId}`;
    await cloneDatabase(template, name);
    database = databaseUrl(name);
    dropOwnDatabase = () => dropDatabase(name);
  }
  const [stripe, smtp, openai] = await Promise.all([startStripeDouble(), startSmtpDouble(), startOpenAiDouble({ chunkDelayMs: options.aiChunkDelayMs ?? 20 })]);
  ensureRandomSessionSecret();
  const webhookSecret = `whsec_resilience${randomBytes(12).toString("hex")}`;
  const env: Record<string, string> = {
    NODE_ENV: "production",
    // Debug: the scenarios count scheduled jobs' runs, which log at debug when they changed nothing.
    LOG_LEVEL: "debug",
    DATABASE_URL: database,
    REDIS_URL: redis.url,
    REDIS_PREFIX: `resilience-${scenarioId}`,
    SESSION_SECRET: process.env.SESSION_SECRET!,
    // A local production build: demo mode allows the local APP_URL; payments and email still go to the doubles.
    DEMO_MODE: "true",
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    STRIPE_API_BASE: stripe.url,
    SMTP_URL: smtp.url,
    OPENAI_API_KEY: "sk-resilience",
    OPENAI_BASE_URL: `${openai.url}/v1`,
    AI_TIMEOUT_MS: "5000",
    AI_JOBS_PER_HOUR: "100000",
    SIGNUP_MAX_PER_IP_PER_HOUR: "100000",
    PASSWORD_RESET_MAX_PER_IP_PER_HOUR: "100000",
    HOLDS_MAX_PER_IP: "100000",
    ...options.env,
  };
  Object.assign(process.env, env);

  const running = new Set<AppProcess>();
  const processEnv = () => ({ ...env, PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" }) as unknown as NodeJS.ProcessEnv;
  let webCount = 0;
  let workerCount = 0;

  const track = <P extends RunningProcess>(name: string, started: P) => {
    const app = Object.assign(started, { name, pid: started.child.pid! });
    running.add(app);
    everyProcess.push(app);
    started.child.once("exit", () => running.delete(app));
    return app;
  };

  return {
    env,
    redis,
    postgres,
    databaseUrl: database,
    stripe,
    smtp,
    openai,
    webhookSecret,
    /** Processes running now. */
    running,
    /** Every process started, killed ones included (their logs stay readable). */
    all: everyProcess,
    async startWeb(extraEnv: Record<string, string> = {}): Promise<WebProcess> {
      const web = await startProcess("server/index.ts", { ...processEnv(), PORT: "0", ...extraEnv }, /"web listening"/, 60_000);
      const { url } = JSON.parse(web.readyLine) as { url: string };
      webCount += 1;
      return track(`web-${webCount}`, { ...web, url });
    },
    async startWorker(extraEnv: Record<string, string> = {}): Promise<AppProcess> {
      const worker = await startProcess("worker/index.ts", { ...processEnv(), ...extraEnv }, /"worker ready"/, 60_000);
      workerCount += 1;
      return track(`worker-${workerCount}`, worker);
    },
    /** `kill -9`: no shutdown hook runs, running jobs are left to BullMQ's stalled-job check. */
    async kill(app: AppProcess) {
      await app.stop("SIGKILL");
    },
    /** Log lines of every process whose name starts with `kind` ("web", "worker"), killed ones included. */
    logsOf(kind: "web" | "worker") {
      return everyProcess.filter((app) => app.name.startsWith(kind)).flatMap((app) => app.output);
    },
    async close() {
      await closeAppClients();
      await Promise.allSettled([...running].map((app) => app.stop("SIGKILL")));
      const dir = join(LOG_DIR, scenarioName);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      for (const [i, app] of everyProcess.entries()) writeFileSync(join(dir, `${String(i + 1).padStart(2, "0")}-${app.name}-${app.pid}.log`), `${app.output.join("\n")}\n`);
      await sleep(100);
      await Promise.allSettled([stripe.close(), smtp.close(), openai.stop()]);
      await redis.close();
      await dropOwnDatabase?.().catch(() => undefined);
      await postgres?.close();
    },
  };
}

export type Stack = Awaited<ReturnType<typeof prepareStack>>;

/** Closes the clients this test process's app modules opened (the same singletons the processes use). */
async function closeAppClients() {
  const opened = (globalThis as { __startlineSingletons?: Map<string, unknown> }).__startlineSingletons;
  if (!opened) return;
  const closing: Promise<unknown>[] = [];
  if (opened.has("bullmq-queues")) closing.push(import("~/jobs/queues.server").then((m) => m.closeQueues()));
  if (opened.has("subscription-hub")) closing.push(import("~/realtime/pubsub.server").then((m) => m.subscriptions.close()));
  if (opened.has("prisma")) closing.push(import("~/utils/db.server").then((m) => m.db.$disconnect()));
  await Promise.allSettled(closing);
  for (const name of ["redis", "bullmq-connection"]) {
    const connection = opened.get(name) as { quit: () => Promise<unknown> } | undefined;
    await connection?.quit().catch(() => undefined);
  }
}
