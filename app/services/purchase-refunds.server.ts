import type Stripe from "stripe";
import { db } from "~/utils/db.server";
import { findPack } from "~/lib/credit-catalog";
import { reconcileClawback } from "./credits.server";
import { notify } from "./notifications.server";
import { idOf, refundedOnStripe, refundFailed } from "./stripe-refunds.server";

/**
 * A refund of a credit purchase's payment takes its credits back in proportion to what Stripe has refunded (rounded
 * down, in the buyer's favour); `lower` gives them back when a refund failed. What was already spent becomes a debt
 * (docs/decisions/0023). The user is told once per change.
 */
async function followPurchaseRefund(purchase: { id: string; userId: string; credits: number; amountMinor: number; product: string }, refundedMinor: number, mode: "raise" | "lower") {
  const refunded = Math.min(purchase.amountMinor, refundedMinor);
  await db.creditPurchase.updateMany({ where: { id: purchase.id, refundedMinor: mode === "raise" ? { lt: refunded } : { gt: refunded } }, data: { refundedMinor: refunded } });
  const name = findPack(purchase.product)?.name ?? "Credit pack";
  const target = Math.floor((purchase.credits * refunded) / purchase.amountMinor);
  const change = await reconcileClawback({
    userId: purchase.userId,
    purchaseId: purchase.id,
    target,
    mode,
    description: mode === "raise" ? `Refund of ${name}: credits taken back` : `Refund of ${name} failed: credits given back`,
  });
  if (!change) return { purchaseId: purchase.id, changed: false };
  const taken = change.change;
  await notify({
    userId: purchase.userId,
    kind: mode === "raise" ? "credits_clawed_back" : "credits_returned",
    title: mode === "raise" ? "Credits taken back" : "Credits given back",
    body:
      mode === "raise"
        ? `Your ${name} payment was refunded, so ${taken} credits were taken back${change.owedChange > 0 ? `: ${change.fromBalance} from your balance, and you owe ${change.owedChange} that you had already used. Your next purchase settles it; AI jobs are paused until then` : ""}.`
        : `The refund of your ${name} did not go through, so ${-taken} credits are yours again.`,
    href: "/billing",
    dedupeKey: change.entryKey,
  });
  return { purchaseId: purchase.id, changed: true, ...change };
}

const purchaseForRefund = { id: true, userId: true, credits: true, amountMinor: true, product: true } as const;

/** `charge.refunded` for a credit purchase (found by its PaymentIntent); null when no purchase took this payment. */
export async function handlePurchaseChargeRefunded(event: Stripe.ChargeRefundedEvent) {
  const charge = event.data.object;
  const paymentIntentId = idOf(charge.payment_intent);
  if (!paymentIntentId) return null;
  return followPurchaseRefunds(paymentIntentId, charge.amount_refunded);
}

/**
 * Brings the credit purchase paid by this payment up to what Stripe has refunded on it (`eventFigure` without Stripe).
 * Also run once a payment is recorded, for refunds made before its event was handled (ADR 0041). Null when no
 * purchase took this payment.
 */
export async function followPurchaseRefunds(paymentIntentId: string, eventFigure: number) {
  const purchase = await db.creditPurchase.findUnique({ where: { stripePaymentIntentId: paymentIntentId }, select: purchaseForRefund });
  if (!purchase) return null;
  return followPurchaseRefund(purchase, await refundedOnStripe(paymentIntentId, eventFigure), "raise");
}

/** `charge.refund.updated` for a credit purchase: a failed or cancelled refund gives the credits back. */
export async function handlePurchaseRefundUpdated(refund: Stripe.Refund) {
  const paymentIntentId = idOf(refund.payment_intent);
  if (!paymentIntentId) return null;
  const purchase = await db.creditPurchase.findUnique({ where: { stripePaymentIntentId: paymentIntentId }, select: purchaseForRefund });
  if (!purchase) return null;
  if (!refundFailed(refund)) return { purchaseId: purchase.id, refundStatus: refund.status };
  return followPurchaseRefund(purchase, await refundedOnStripe(paymentIntentId, 0), "lower");
}
