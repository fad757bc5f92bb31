import { startStripeDouble } from "../mocks/stripe";
import { startWeb, startWorker, testEnv } from "./processes";

/** The Stripe double plus a web and a worker process configured to use it (as in production, by address). */
export async function startStripeStack(webhookSecret: string) {
  const stripe = await startStripeDouble();
  const env = testEnv({ STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_BASE: stripe.url });
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
