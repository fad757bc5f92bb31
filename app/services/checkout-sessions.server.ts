import type Stripe from "stripe";
import { enqueue } from "~/jobs/queues.server";
import { createLogger } from "~/utils/logger.server";
import { isStripeApiError, stripeClient } from "~/utils/stripe.server";

const log = createLogger({ service: "checkout-sessions" });

/**
 * Ends a Checkout Session so that it can no longer be paid: "expired" when it is (now, or it already was),
 * "complete" when the buyer paid it first (that payment is fulfilment's business). Throws Stripe's error when
 * Stripe did not answer, so the caller decides whether to refuse, give up or retry.
 */
export async function endCheckoutSession(stripe: Stripe, sessionId: string): Promise<"expired" | "complete"> {
  try {
    await stripe.checkout.sessions.expire(sessionId);
    return "expired";
  } catch (error) {
    // Stripe expires only open sessions: any other answer is read from the session itself.
    if (!isStripeApiError(error) || error.type !== "StripeInvalidRequestError") throw error;
    const session = await stripe.checkout.sessions.retrieve(sessionId);
    if (session.status === "open") throw error;
    return session.status === "complete" ? "complete" : "expired";
  }
}

/**
 * After an order's places were released (hold expired, buyer cancelled or started again), its Checkout Session
 * must not stay payable. Expiring it is Stripe's round trip, so it happens after the release committed, in a job
 * keyed by the session (retried with backoff). Queueing is best effort: a session that stays open ends at its own
 * `expires_at`, and a payment made meanwhile takes the late-payment path.
 */
export async function expireSessionLater(sessionId: string) {
  try {
    await enqueue("checkout.expire-session", { sessionId });
  } catch (error) {
    log.warn("could not queue the expiry of a released order's Checkout Session", { sessionId, error });
  }
}

/**
 * The job: expire the released order's session. A session already paid is left to the late-payment path (the
 * payment's event re-acquires the places or refunds it); in demo mode there is no Stripe session to end.
 */
export async function expireReleasedSession(sessionId: string) {
  const stripe = stripeClient();
  if (!stripe) return { sessionId, outcome: "payments are simulated" };
  return { sessionId, outcome: await endCheckoutSession(stripe, sessionId) };
}
