import { afterAll, beforeAll, expect, onTestFinished } from "vitest";
import { getCurrentSuite } from "vitest/suite";
import { db } from "~/utils/db.server";
import { deliverWebhook, signWebhook, type StripeDouble, type stripeEvent } from "../mocks/stripe";
import type { OpenAiDouble } from "../mocks/openai";
import { settleAll, startStack, startWeb, startWorker, testEnv, webhookSecretOf, type Env, type Stack, type StackOptions, type WebProcess, type WorkerProcess } from "./processes";
import { waitFor } from "./wait";

type StripeEvent = ReturnType<typeof stripeEvent>;

/**
 * Stacks declared in one suite (a file, or a `describe`) start together before its first test (two
 * processes at a time, see `startProcess`) and stop together after its last one. What the test process
 * itself opened (queues, Redis, Prisma) is closed once per file by the shared teardown (`app-clients.ts`).
 */
type Member = { start: () => Promise<void>; stop: () => Promise<void> };
const suites = new WeakMap<object, Member[]>();
function inSuite(member: Member) {
  const suite = getCurrentSuite();
  const members = suites.get(suite);
  if (members) return void members.push(member);
  const all = [member];
  suites.set(suite, all);
  beforeAll(() => settleAll(all.map((one) => one.start())));
  afterAll(async () => {
    await Promise.all(all.map((one) => one.stop()));
  });
}

/**
 * A view of what `get` returns once the stack has started: the handles can be taken apart at the top of a file
 * (`const { web, stripe } = useStack(...)`) and used in tests and hooks.
 */
function later<T extends object>(what: string, get: () => T | undefined): T {
  const target = () => {
    const value = get();
    if (!value) throw new Error(`useStack: no ${what} (not asked for, or read before the suite's beforeAll ran)`);
    return value;
  };
  return new Proxy({} as T, {
    get(_, key) {
      const value = Reflect.get(target(), key) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target()) : value;
    },
    has: (_, key) => Reflect.has(target(), key),
  });
}

/**
 * The app for the tests of this file (or `describe`): a web process (unless `web: false`), a worker, the Stripe
 * and OpenAI doubles, as asked, with `env` over the test environment. Registers the suite's beforeAll/afterAll.
 */
export function useStack(options: StackOptions = {}) {
  let starting: Promise<Stack> | undefined;
  let stack: Stack | undefined;
  const webhookSecret = webhookSecretOf(options) ?? "";
  inSuite({
    start: async () => {
      starting = startStack(options);
      stack = await starting;
    },
    // Also after a start that is still running (its hook timed out): wait for it, then stop what it started.
    stop: async () => {
      stack = undefined;
      await (await starting?.catch(() => undefined))?.stop();
    },
  });

  /** Posts events to the web's webhook as Stripe does (each `times` times, concurrently); all must answer 200. */
  const post = async (events: StripeEvent[], times = 1) => {
    const url = stack?.web?.url;
    if (!url) throw new Error("useStack: no web process to post webhooks to");
    const responses = await Promise.all(
      events.flatMap((event) => {
        const payload = JSON.stringify(event);
        return Array.from({ length: times }, () => deliverWebhook(url, payload, signWebhook(payload, webhookSecret)));
      }),
    );
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
  };

  /** Waits until the worker has processed these Stripe events (processedAt is set after the handler ran). */
  const processed = async (...eventIds: string[]) => {
    const count = await waitFor(
      () => db.stripeEvent.count({ where: { id: { in: eventIds }, processedAt: { not: null } } }),
      (n) => n === eventIds.length,
    );
    expect(count, "Stripe events processed").toBe(eventIds.length);
  };

  return {
    web: later<WebProcess>("web process", () => stack?.web),
    worker: later<WorkerProcess>("worker process", () => stack?.worker),
    stripe: later<StripeDouble>("Stripe double", () => stack?.stripe),
    openai: later<OpenAiDouble>("OpenAI double", () => stack?.openai),
    /** The environment the processes were started with. */
    env: later<NodeJS.ProcessEnv>("environment", () => stack?.env),
    webhookSecret,
    post,
    processed,
    /** Delivers events as Stripe does (each `times` times, concurrently) and waits until the worker has processed them. */
    deliver: async (events: StripeEvent[], times = 1) => {
      await post(events, times);
      await processed(...events.map((e) => e.id));
    },
  };
}

/** Stops the process when the running test ends, even one still starting then (the test timed out). */
function forThisTest<P extends { stop: () => Promise<unknown> }>(starting: Promise<P>) {
  onTestFinished(async () => {
    await (await starting.catch(() => undefined))?.stop();
  });
  return starting;
}

/** A web process for the running test only (e.g. configured otherwise): stopped when the test ends. */
export function startWebForTest(env: Env = {}) {
  return forThisTest(startWeb(testEnv(env)));
}

/** A worker process for the running test only: stopped when the test ends. */
export function startWorkerForTest(env: Env = {}) {
  return forThisTest(startWorker(testEnv(env)));
}
