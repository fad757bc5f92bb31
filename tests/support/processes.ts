import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createInterface } from "node:readline";

export type RunningProcess = {
  child: ChildProcess;
  /** Every line the process printed, stdout and stderr. */
  output: string[];
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
};

const TEST_ENV_KEYS = ["DATABASE_URL", "REDIS_URL", "REDIS_PREFIX", "DEMO_MODE", "LOG_LEVEL", "SMTP_URL", "SESSION_SECRET", "PATH", "HOME"];

/**
 * The app refuses to start without a session secret, and no known one exists: each test run (or benchmark)
 * makes its own random one, shared by the test process and the web and worker processes it starts.
 */
export function ensureRandomSessionSecret() {
  process.env.SESSION_SECRET ??= randomBytes(32).toString("hex");
}

/** The current test worker's environment (its own database and Redis prefix), plus overrides. */
export function testEnv(overrides: Record<string, string | undefined> = {}) {
  const base = Object.fromEntries(TEST_ENV_KEYS.map((key) => [key, process.env[key]]));
  // Every test request comes from 127.0.0.1, so per-IP limits meant for the public internet would trip
  // across unrelated tests; the tests of those limits set their own low values.
  const perIpLimits = { SIGNUP_MAX_PER_IP_PER_HOUR: "100000", PASSWORD_RESET_MAX_PER_IP_PER_HOUR: "100000", HOLDS_MAX_PER_IP: "100000" };
  const merged = { ...base, NODE_ENV: "production", LOG_LEVEL: "info", ...perIpLimits, ...overrides };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
}

/** Starts `node --import tsx <entry>` and resolves when a log line matches `ready`. */
export async function startProcess(entry: string, env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 30_000) {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", entry], { env, stdio: ["ignore", "pipe", "pipe"] });
  // Never outlive the test runner, even if its teardown does not run.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  const output: string[] = [];
  let matched: ((line: string) => void) | undefined;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream as NodeJS.ReadableStream }).on("line", (line) => {
      output.push(line);
      if (ready.test(line)) matched?.(line);
    });
  }
  const exited = once(child, "exit").then(([code]) => code as number | null);
  const readyLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} not ready within ${timeoutMs} ms:\n${output.join("\n")}`)), timeoutMs);
    matched = (line) => {
      clearTimeout(timer);
      resolve(line);
    };
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} before it was ready:\n${output.join("\n")}`));
    });
  });
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return { child, output, stop, readyLine } satisfies RunningProcess & { readyLine: string };
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
