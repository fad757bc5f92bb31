import type { Prisma } from "@prisma/client";
import { db } from "~/utils/db.server";
import { orderTotals } from "~/lib/order-totals";
import { isStripeApiError, stripeClient } from "~/utils/stripe.server";
import { CheckoutError, pendingOrder, requireOpen } from "./checkout.server";
import { endCheckoutSession } from "./checkout-sessions.server";
import { evaluateDiscount, holdDiscount, releaseDiscountHold } from "./discount-holds.server";
import { announceOrderChange } from "./orders.server";

/**
 * Ends a Checkout Session so that it can no longer be paid. One that has already expired needs nothing;
 * one that was paid meanwhile refuses the change (its payment is for the current total and will be
 * fulfilled). In demo mode there is no Stripe session: forgetting the id is enough.
 */
async function expireCheckoutSession(sessionId: string) {
  const stripe = stripeClient();
  if (!stripe) return;
  let ended;
  try {
    ended = await endCheckoutSession(stripe, sessionId);
  } catch (error) {
    if (!isStripeApiError(error)) throw error;
    throw new CheckoutError(`The payment provider did not confirm that your open payment page was closed (${error.message}). Try again in a moment.`, "form", "upstream");
  }
  if (ended === "complete") throw new CheckoutError("This order has just been paid, so it can no longer change. Your confirmation is on its way.", "form", "conflict");
}

type TotalsChange = {
  discountMinor: number;
  discountCodeId: string | null;
  /** Holds or gives back the code's use, inside the same transaction (a refusal rolls everything back). */
  apply: (tx: Prisma.TransactionClient) => Promise<void>;
};

/**
 * Changes what a pending order costs, in one transaction that locks the order row (payment and fulfilment
 * take the same lock). When the total changes, the Checkout Session opened for the old total is expired at
 * Stripe first and forgotten, so it can never be paid and the next Pay opens a session for the new total
 * (ADR 0023). The session is expired before the code's use is taken, so no code row stays locked while
 * Stripe answers.
 */
async function changeTotals(orderId: string, buyerId: string, change: TotalsChange) {
  await db.$transaction(
    async (tx) => {
      const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Order" WHERE id = ${orderId} AND "buyerId" = ${buyerId} FOR UPDATE`;
      const order = requireOpen(
        locked
          ? await tx.order.findUniqueOrThrow({
              where: { id: orderId },
              select: {
                status: true,
                holdExpiresAt: true,
                totalMinor: true,
                stripeSessionId: true,
                tickets: { where: { status: "HELD" }, select: { priceMinor: true } },
                race: { select: { taxMode: true, taxRateBps: true } },
              },
            })
          : null,
        new Date(),
      );
      const totals = orderTotals({ prices: order.tickets.map((t) => t.priceMinor), discountMinor: change.discountMinor, taxMode: order.race.taxMode, taxRateBps: order.race.taxRateBps });
      const forgetSession = order.stripeSessionId !== null && totals.totalMinor !== order.totalMinor;
      if (forgetSession) await expireCheckoutSession(order.stripeSessionId!);
      await change.apply(tx);
      await tx.order.update({
        where: { id: orderId },
        data: {
          discountCodeId: change.discountCodeId,
          subtotalMinor: totals.subtotalMinor,
          discountMinor: totals.discountMinor,
          taxMinor: totals.taxMinor,
          feeMinor: totals.feeMinor,
          totalMinor: totals.totalMinor,
          ...(forgetSession ? { stripeSessionId: null } : {}),
        },
      });
    },
    { timeout: 30_000, maxWait: 10_000 },
  );
  await announceOrderChange(orderId);
}

/**
 * Applies a discount code to the pending order, or explains why it does not apply. The code's use is held
 * for the order from now on (counted against its maximum and the buyer's limit) until the order is paid,
 * its hold runs out, it is cancelled or the code is removed (ADR 0023).
 */
export async function applyDiscountCode({ orderId, buyerId, code }: { orderId: string; buyerId: string; code: string }) {
  const order = await pendingOrder(orderId, buyerId);
  const tickets = await db.ticket.findMany({ where: { orderId, status: "HELD" }, select: { ticketTypeId: true, priceMinor: true } });
  const lines = new Map<string, { ticketTypeId: string; priceMinor: number; quantity: number }>();
  for (const t of tickets) {
    const key = `${t.ticketTypeId}:${t.priceMinor}`;
    const line = lines.get(key) ?? { ticketTypeId: t.ticketTypeId, priceMinor: t.priceMinor, quantity: 0 };
    line.quantity += 1;
    lines.set(key, line);
  }
  // Read-only first: a code that does not apply is refused without touching the order or its payment page.
  const result = await evaluateDiscount({ raceId: order.raceId, code, email: order.buyerEmail, lines: [...lines.values()], now: new Date(), orderId });
  if (!result.ok) throw new CheckoutError(result.message, "code");
  await changeTotals(orderId, buyerId, {
    discountMinor: result.discountMinor,
    discountCodeId: result.codeId,
    apply: async (tx) => {
      const held = await holdDiscount(tx, { codeId: result.codeId, orderId, email: order.buyerEmail, userId: buyerId });
      if (held.status === "used_up" || held.status === "per_user_limit") throw new CheckoutError(held.message, "code");
    },
  });
  return result;
}

/** Takes the code off the pending order and gives its held use back. */
export async function removeDiscountCode({ orderId, buyerId }: { orderId: string; buyerId: string }) {
  await pendingOrder(orderId, buyerId);
  await changeTotals(orderId, buyerId, { discountMinor: 0, discountCodeId: null, apply: (tx) => releaseDiscountHold(tx, orderId).then(() => undefined) });
}
