import { randomBytes } from "node:crypto";
import Stripe from "stripe";
import { getEnv } from "~/utils/env.server";

const LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"];

/** Why a demo payment cannot be sent from here, or null. */
export function demoPaymentRefusal(origin: string) {
  if (getEnv().paymentMode !== "demo") return "Demo payments are off: this installation takes real payments.";
  // The event goes back to this same server; never let a forged Host header send it elsewhere.
  if (!LOCAL_HOSTS.includes(new URL(origin).hostname)) return "Demo payments work only on a local address.";
  return null;
}

type DemoSession = {
  id: string;
  amountTotalMinor: number;
  amountTaxMinor?: number;
  currency: string;
  clientReferenceId: string;
  customerEmail?: string;
  metadata: Record<string, string>;
};

/**
 * Demo payment mode: an event Stripe would send, signed with the webhook secret and posted to our own webhook
 * route, so verification, inbox, queue and worker all run (ADR 0008). `object` is shaped like Stripe's.
 */
export async function postDemoEvent(origin: string, type: string, object: Record<string, unknown>) {
  const payload = JSON.stringify({
    id: `evt_demo_${randomBytes(12).toString("hex")}`,
    object: "event",
    api_version: Stripe.API_VERSION,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  });
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: getEnv().webhookSecret! });
  const response = await fetch(`${origin}/webhooks/stripe`, { method: "POST", body: payload, headers: { "Content-Type": "application/json", "Stripe-Signature": signature } });
  if (!response.ok) throw new Error(`demo payment webhook answered ${response.status}`);
}

/** The `checkout.session.completed` Stripe would send for a paid payment-mode session. */
export async function postDemoSessionCompleted(origin: string, session: DemoSession) {
  const tax = session.amountTaxMinor ?? 0;
  await postDemoEvent(origin, "checkout.session.completed", {
    id: session.id,
    object: "checkout.session",
    mode: "payment",
    status: "complete",
    payment_status: "paid",
    amount_total: session.amountTotalMinor,
    amount_subtotal: session.amountTotalMinor - tax,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: tax },
    currency: session.currency.toLowerCase(),
    client_reference_id: session.clientReferenceId,
    customer_email: session.customerEmail ?? null,
    metadata: session.metadata,
    payment_intent: null,
    created: Math.floor(Date.now() / 1000),
  });
}
