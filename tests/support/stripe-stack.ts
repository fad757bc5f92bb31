import { afterAll, beforeAll } from "vitest";
import { closeQueues } from "~/jobs/queues.server";
import { db } from "~/utils/db.server";
import { startStripeDouble } from "../mocks/stripe";
import { startWeb, startWorker, testEnv } from "./processes";

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
  };
}
