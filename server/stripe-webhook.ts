import express, { type Express, type NextFunction, type Request, type Response } from "express";
import { countSignatureFailure } from "~/services/operations-watch.server";
import { recordStripeEvent } from "~/services/stripe-events.server";
import { createLogger } from "~/utils/logger.server";
import { metrics } from "~/utils/metrics.server";
import { isWebhookConfigured, verifyWebhook } from "~/utils/stripe.server";
import { BODY_LIMITS, refusedBody } from "./security";

const PATH = "/webhooks/stripe";
const log = createLogger({ process: "web", route: "webhooks.stripe" });

/**
 * Stripe's webhook endpoint: verify the signature over the raw body, record the event in the inbox (which queues its
 * processing) and answer at once; nothing else happens here (ADR 0011). Served straight from Express, before
 * compression and Remix (ADR 0060): a payment rush sends hundreds a second, and Remix's request path (route
 * matching over every route, web streams, a gzip stream for a 40-byte answer) cost several times the work itself.
 */
async function receive(req: Request, res: Response) {
  if (!isWebhookConfigured()) {
    log.warn("stripe webhook refused: STRIPE_WEBHOOK_SECRET is not set");
    res.status(503).type("text/plain").send("Stripe webhooks are not configured on this server.");
    return;
  }
  const body = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "";
  const verified = metrics.webhookDuration.startTimer({ stage: "verify" });
  const verification = verifyWebhook(body, req.get("Stripe-Signature") ?? null);
  verified();
  if (!verification.ok) {
    log.warn("stripe webhook refused", { reason: verification.reason });
    await countSignatureFailure(verification.reason).catch((error: unknown) => log.error("counting a signature failure failed", { error }));
    res.status(400).type("text/plain").send(`Webhook refused: ${verification.reason}`);
    return;
  }
  const { event } = verification;
  const recorded = metrics.webhookDuration.startTimer({ stage: "record" });
  const { duplicate } = await recordStripeEvent(event);
  recorded();
  log.info("stripe webhook received", { eventId: event.id, type: event.type, duplicate });
  res.json({ received: true, duplicate });
}

export function mountStripeWebhook(app: Express) {
  const readBody = express.raw({ type: () => true, limit: BODY_LIMITS.webhook, inflate: false });
  app.post(
    PATH,
    (req: Request, res: Response, next: NextFunction) => {
      res.locals.bodyLimit = BODY_LIMITS.webhook;
      readBody(req, res, next);
    },
    (req: Request, res: Response, next: NextFunction) => {
      receive(req, res).catch(next);
    },
    refusedBody,
  );
  app.all(PATH, (_req, res) => {
    res.status(405).set("Allow", "POST").type("text/plain").send("Stripe delivers webhooks here with POST.");
  });
}
