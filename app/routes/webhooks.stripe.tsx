import type { ActionFunctionArgs } from "@remix-run/node";
import { countSignatureFailure } from "~/services/operations-watch.server";
import { recordStripeEvent } from "~/services/stripe-events.server";
import { createLogger } from "~/utils/logger.server";
import { metrics } from "~/utils/metrics.server";
import { isWebhookConfigured, verifyWebhook } from "~/utils/stripe.server";

export function loader() {
  return new Response("Stripe delivers webhooks here with POST.", { status: 405, headers: { Allow: "POST" } });
}

/**
 * Stripe's webhook endpoint: verify the signature over the raw body, record the event in the inbox,
 * queue its processing and answer at once. Nothing else happens here (see docs/decisions/0011).
 */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return loader();
  const log = createLogger({ process: "web", route: "webhooks.stripe" });
  if (!isWebhookConfigured()) {
    log.warn("stripe webhook refused: STRIPE_WEBHOOK_SECRET is not set");
    return new Response("Stripe webhooks are not configured on this server.", { status: 503 });
  }
  const body = await request.text();
  const verified = metrics.webhookDuration.startTimer({ stage: "verify" });
  const verification = verifyWebhook(body, request.headers.get("Stripe-Signature"));
  verified();
  if (!verification.ok) {
    log.warn("stripe webhook refused", { reason: verification.reason });
    await countSignatureFailure(verification.reason).catch((error: unknown) => log.error("counting a signature failure failed", { error }));
    return new Response(`Webhook refused: ${verification.reason}`, { status: 400 });
  }
  const { event } = verification;
  const recorded = metrics.webhookDuration.startTimer({ stage: "record" });
  const { duplicate } = await recordStripeEvent(event);
  recorded();
  log.info("stripe webhook received", { eventId: event.id, type: event.type, duplicate });
  return Response.json({ received: true, duplicate });
}
