import Stripe from "stripe";
import { DomainError } from "~/lib/errors";
import { getEnv } from "./env.server";
import { singleton } from "./singleton.server";

/** Where the SDK sends API calls: Stripe itself, or the address in STRIPE_API_BASE (a test double, stripe-mock). */
export function stripeConnection(apiBase: string | undefined) {
  if (!apiBase) return {};
  const url = new URL(apiBase);
  const protocol = url.protocol === "http:" ? ("http" as const) : ("https" as const);
  return { host: url.hostname, port: url.port || (protocol === "http" ? "80" : "443"), protocol };
}

/** The process's Stripe client, or null when STRIPE_SECRET_KEY is unset (demo payment mode). */
export function stripeClient(): Stripe | null {
  const env = getEnv();
  const secretKey = env.STRIPE_SECRET_KEY;
  if (!secretKey) return null;
  return singleton("stripe", () =>
    new Stripe(secretKey, {
      ...stripeConnection(env.STRIPE_API_BASE),
      maxNetworkRetries: 2,
      timeout: 20_000,
      typescript: true,
      appInfo: { name: "Startline" },
    }),
  );
}

export function isStripeConfigured() {
  return Boolean(getEnv().STRIPE_SECRET_KEY);
}

export function isWebhookConfigured() {
  return Boolean(getEnv().webhookSecret);
}

export class StripeNotConfiguredError extends DomainError {
  constructor(what: string) {
    super("conflict", `${what} needs Stripe, but STRIPE_SECRET_KEY is not set (payments are simulated in this installation).`, { field: "form" });
    this.name = "StripeNotConfiguredError";
  }
}

/** The client, or an error saying what needed it. */
export function requireStripe(what: string): Stripe {
  const client = stripeClient();
  if (!client) throw new StripeNotConfiguredError(what);
  return client;
}

/** An error answered by Stripe's API (or the SDK failing to reach it), as opposed to a bug of ours. */
export function isStripeApiError(error: unknown): error is Stripe.errors.StripeError {
  return error instanceof Stripe.errors.StripeError;
}

export type WebhookVerification =
  | { ok: true; event: Stripe.Event }
  | { ok: false; reason: string };

/**
 * Verifies a webhook's `Stripe-Signature` over the exact raw body with STRIPE_WEBHOOK_SECRET
 * (default tolerance: 5 minutes, so a replayed old delivery is refused).
 */
export function verifyWebhook(rawBody: string, signature: string | null): WebhookVerification {
  const secret = getEnv().webhookSecret;
  if (!secret) return { ok: false, reason: "STRIPE_WEBHOOK_SECRET is not set, so no signature can be verified." };
  if (!signature) return { ok: false, reason: "Missing Stripe-Signature header." };
  try {
    return { ok: true, event: Stripe.webhooks.constructEvent(rawBody, signature, secret) };
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) return { ok: false, reason: error.message };
    if (error instanceof SyntaxError) return { ok: false, reason: "The body is not JSON." };
    throw error;
  }
}
