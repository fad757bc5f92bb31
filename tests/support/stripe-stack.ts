import { afterAll, beforeAll, expect } from "vitest";
import { closeQueues } from "~/jobs/queues.server";
import { db } from "~/utils/db.server";
import { deliverWebhook, signWebhook, startStripeDouble, type stripeEvent } from "../mocks/stripe";
import { startWeb, startWorker, testEnv } from "./processes";
import { waitFor } from "./wait";

/** The Stripe double plus a web and a worker process configured to use it (as in production, by address). */
export async function startStripeStack(webhookSecret: string, extraEnv: Record<string, string> = {}) {
  const stripe = await startStripeDouble();
  const env = testEnv({ STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_BASE: stripe.url, ...extraEnv });
  const [web, worker] = await Promise.all([startWeb(env), startWorker(env)]);
  return {
    stripe,
    web,
    worker,
    env,
    /** Delivers events as Stripe does (each `times` times, concurrently) and waits until the worker has processed them. */
    async deliver(events: ReturnType<typeof stripeEvent>[], times = 1) {
      const responses = await Promise.all(
        events.flatMap((event) => {
          const payload = JSON.stringify(event);
          return Array.from({ length: times }, () => deliverWebhook(web.url, payload, signWebhook(payload, webhookSecret)));
        }),
      );
      expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
      const ids = events.map((e) => e.id);
      const processed = await waitFor(
        () => db.stripeEvent.count({ where: { id: { in: ids }, processedAt: { not: null } } }),
        (n) => n === ids.length,
      );
      expect(processed).toBe(ids.length);
    },
    async stop() {
      await Promise.all([web.stop(), worker.stop()]);
      await stripe.close();
    },
  };
}

/**
 * The stack for one test file: started before its tests, stopped after them together with this process's
 * queues and database client. Read `stripe` and `web` inside tests (they exist once `beforeAll` has run).
 */
export function stripeStackForFile(webhookSecret: string, extraEnv: Record<string, string> = {}) {
  let stack: Awaited<ReturnType<typeof startStripeStack>> | undefined;
  beforeAll(async () => {
    stack = await startStripeStack(webhookSecret, extraEnv);
  });
  afterAll(async () => {
    await stack?.stop();
    await closeQueues();
    await db.$disconnect();
  });
  return {
    get stripe() {
      return stack!.stripe;
    },
    get web() {
      return stack!.web;
    },
    deliver: (...args: Parameters<Awaited<ReturnType<typeof startStripeStack>>["deliver"]>) => stack!.deliver(...args),
  };
}
