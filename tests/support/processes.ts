import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { startOpenAiDouble, type OpenAiDouble } from "../mocks/openai";
import { startStripeDouble, type StripeDouble } from "../mocks/stripe";

export type RunningProcess = {
  child: ChildProcess;
  /** Every line the process printed, stdout and stderr. */
  output: string[];
  /** Resolves with the first line (already printed or still to come) that passes `test`. */
  waitForLine: (test: (line: string) => boolean, timeoutMs?: number) => Promise<string>;
  /** Resolves with the first JSON log line (printed or to come) that has all these fields, e.g. `{ msg: "job completed", jobId }`. */
  waitForLog: (fields: Record<string, unknown>, timeoutMs?: number) => Promise<Record<string, unknown>>;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
};

export type Env = Record<string, string | undefined>;

const TEST_ENV_KEYS = ["DATABASE_URL", "REDIS_URL", "REDIS_PREFIX", "DEMO_MODE", "LOG_LEVEL", "SMTP_URL", "SESSION_SECRET", "PATH", "HOME"];

/**
 * The app refuses to start without a session secret, and no known one exists: each test run (or benchmark)
 * makes its own random one, shared by the test process and the web and worker processes it starts.
 */
export function ensureRandomSessionSecret() {
  process.env.SESSION_SECRET ??= randomBytes(32).toString("hex");
}

/** The current test worker's environment (its own database and Redis prefix), plus overrides. */
export function testEnv(overrides: Env = {}) {
  const base = Object.fromEntries(TEST_ENV_KEYS.map((key) => [key, process.env[key]]));
  // Every test request comes from 127.0.0.1, so per-IP limits meant for the public internet would trip across
  // unrelated tests (a browser run signs in hundreds of people, all counted under one Redis prefix); the tests of
  // those limits set their own low values. Per-account limits stay as they are.
  const perIpLimits = { LOGIN_MAX_ATTEMPTS_PER_IP: "100000", SIGNUP_MAX_PER_IP_PER_HOUR: "100000", PASSWORD_RESET_MAX_PER_IP_PER_HOUR: "100000", HOLDS_MAX_PER_IP: "100000" };
  const merged = { ...base, NODE_ENV: "production", LOG_LEVEL: "info", ...perIpLimits, ...overrides };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
}

/** At most two processes of this test process start at once: more crowd a 2-core machine past its start-up timeouts. */
const STARTING_AT_ONCE = 2;
let starting = 0;
const queued: (() => void)[] = [];
async function startingSlot() {
  if (starting >= STARTING_AT_ONCE) await new Promise<void>((resolve) => queued.push(resolve));
  starting += 1;
  return () => {
    starting -= 1;
    queued.shift()?.();
  };
}

/** The most output lines kept per process, for readiness checks and failure messages. */
const MAX_KEPT_LINES = 20_000;

/** Starts `node --import tsx <entry>` and resolves when a log line matches `ready`. */
export async function startProcess(entry: string, env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 50_000) {
  const release = await startingSlot();
  try {
    return await spawnUntilReady(entry, env, ready, timeoutMs);
  } finally {
    release();
  }
}

async function spawnUntilReady(entry: string, env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs: number) {
  // CPU_PROFILE_DIR=<dir> in the child's environment: it writes a CPU profile there when it exits (benchmarks).
  const profile = env.CPU_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${env.CPU_PROFILE_DIR}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, "--import", "tsx", entry], { env, stdio: ["ignore", "pipe", "pipe"] });
  // Never outlive the test runner, even if its teardown does not run.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  const output: string[] = [];
  const watchers = new Set<(line: string) => void>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream as NodeJS.ReadableStream }).on("line", (line) => {
      output.push(line);
      // Keep the recent lines only: a benchmark's processes log tens of thousands, and a parent holding them all
      // grows by hundreds of MB and reads its children's pipes late (a child blocks writing to a full pipe).
      if (output.length > MAX_KEPT_LINES) output.splice(0, output.length - MAX_KEPT_LINES / 2);
      for (const watcher of [...watchers]) watcher(line);
    });
  }
  const exited = once(child, "exit").then(([code]) => code as number | null);
  /** The first line passing `test`: printed already or within `ms`, and while the process runs. */
  const lineWithin = (test: (line: string) => boolean, ms: number, failure: { late: string; exited: (code: number | null) => string }) => {
    const seen = output.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const settle = (outcome: () => void) => {
        clearTimeout(timer);
        watchers.delete(watcher);
        outcome();
      };
      const watcher = (line: string) => void (test(line) && settle(() => resolve(line)));
      const timer = setTimeout(() => settle(() => reject(new Error(`${failure.late}:\n${output.join("\n")}`))), ms);
      watchers.add(watcher);
      void exited.then((code) => settle(() => reject(new Error(`${failure.exited(code)}:\n${output.join("\n")}`))));
    });
  };
  const waitForLine = (test: (line: string) => boolean, lineTimeoutMs = 15_000) =>
    lineWithin(test, lineTimeoutMs, { late: `${entry} printed no such line within ${lineTimeoutMs} ms`, exited: (code) => `${entry} exited with ${code} before printing the line` });
  const waitForLog = async (fields: Record<string, unknown>, logTimeoutMs?: number) => {
    const has = (line: string) => {
      if (!line.startsWith("{")) return false;
      const entry = JSON.parse(line) as Record<string, unknown>;
      return Object.entries(fields).every(([key, value]) => entry[key] === value);
    };
    return JSON.parse(await waitForLine(has, logTimeoutMs)) as Record<string, unknown>;
  };
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  const readyLine = await lineWithin((line) => ready.test(line), timeoutMs, {
    late: `${entry} not ready within ${timeoutMs} ms`,
    exited: (code) => `${entry} exited with ${code} before it was ready`,
  }).catch(async (error: unknown) => {
    // Nobody will stop a process that never became ready: stop it here, or it outlives the test run.
    await stop("SIGKILL");
    throw error;
  });
  return { child, output, waitForLine, waitForLog, stop, readyLine } satisfies RunningProcess & { readyLine: string };
}

/** The web server on a free port; resolves with its base URL. */
export async function startWeb(env: NodeJS.ProcessEnv = testEnv()) {
  const web = await startProcess("server/index.ts", { PORT: "0", ...env }, /"web listening"/);
  const { url } = JSON.parse(web.readyLine) as { url: string };
  return { ...web, url };
}

export function startWorker(env: NodeJS.ProcessEnv = testEnv()) {
  return startProcess("worker/index.ts", env, /"worker ready"/);
}

export type WebProcess = Awaited<ReturnType<typeof startWeb>>;
export type WorkerProcess = Awaited<ReturnType<typeof startWorker>>;

export type StackOptions = {
  /** A web process (the default). */
  web?: boolean;
  /** A worker process, running the jobs the web and the test enqueue. */
  worker?: boolean;
  /** The Stripe double, with the webhook secret the app checks signatures with. */
  stripe?: boolean | { webhookSecret?: string };
  /** The OpenAI double (its options as for startOpenAiDouble). */
  openai?: boolean | Parameters<typeof startOpenAiDouble>[0];
  /** Environment overrides for both processes, over `testEnv()` and what the doubles set. */
  env?: Env;
};

export type Stack = {
  env: NodeJS.ProcessEnv;
  web?: WebProcess;
  worker?: WorkerProcess;
  stripe?: StripeDouble;
  openai?: OpenAiDouble;
  webhookSecret?: string;
  stop: () => Promise<void>;
};

export function webhookSecretOf(options: StackOptions) {
  if (!options.stripe) return undefined;
  return (typeof options.stripe === "object" && options.stripe.webhookSecret) || "whsec_test_stack";
}

/**
 * The app as a test sees it: the doubles it talks to (Stripe, OpenAI), configured by address as in production,
 * then its web and worker processes, started together. `stop` ends all of it; a stack that fails to start stops
 * what it had started before it throws.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const stack: Stack = { env: testEnv(options.env), webhookSecret: webhookSecretOf(options), stop: () => stopAll(stack) };
  try {
    await settleAll([
      options.stripe ? startStripeDouble().then((stripe) => (stack.stripe = stripe)) : undefined,
      options.openai ? startOpenAiDouble(typeof options.openai === "object" ? options.openai : undefined).then((openai) => (stack.openai = openai)) : undefined,
    ]);
    const { stripe, openai } = stack;
    stack.env = testEnv({
      ...(stripe ? { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stack.webhookSecret, STRIPE_API_BASE: stripe.url } : {}),
      ...(openai ? { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: `${openai.url}/v1` } : {}),
      ...options.env,
    });
    await settleAll([
      options.web === false ? undefined : startWeb(stack.env).then((web) => (stack.web = web)),
      options.worker ? startWorker(stack.env).then((worker) => (stack.worker = worker)) : undefined,
    ]);
    return stack;
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** Waits for every one of them, then throws the first failure: what did start is recorded, so it can be stopped. */
export async function settleAll(starting: (Promise<unknown> | undefined)[]) {
  const failed = (await Promise.allSettled(starting)).find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
}

async function stopAll({ web, worker, stripe, openai }: Stack) {
  await Promise.all([web?.stop(), worker?.stop()]);
  await Promise.all([stripe?.close(), openai?.stop()]);
}
