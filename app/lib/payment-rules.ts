import type { OrderStatus, RaceStatus, TaxMode } from "@prisma/client";

/** Why a completed Checkout Session does not pay its order (ADR 0023). */
export type PaymentRejection = "order_already_paid" | "not_current_session" | "currency_mismatch" | "amount_mismatch";

export type PaidSession = { sessionId: string; currency: string; amountTotalMinor: number; amountTaxMinor: number | null };

export type OrderToPay = { status: OrderStatus; stripeSessionId: string | null; currency: string; totalMinor: number; taxMode: TaxMode };

const PAID_STATUSES: OrderStatus[] = ["PAID", "PARTIALLY_REFUNDED", "REFUNDED"];

export function isSettled(status: OrderStatus) {
  return PAID_STATUSES.includes(status);
}

/**
 * What a paid Checkout Session must match to pay its order: the order's current session, its currency and
 * its total. Prices exclude tax; with Stripe Tax, Stripe adds the tax on top, so the session's total less
 * its tax must equal the order's total. Null when the payment is the one the order asked for.
 * An order already paid by this same session is not a rejection (the caller reports a replay).
 */
export function paymentMismatch(order: OrderToPay, paid: PaidSession): PaymentRejection | null {
  if (order.stripeSessionId !== paid.sessionId) return isSettled(order.status) ? "order_already_paid" : "not_current_session";
  if (paid.currency.toUpperCase() !== order.currency.toUpperCase()) return "currency_mismatch";
  const taxOnTop = order.taxMode === "STRIPE_TAX" ? (paid.amountTaxMinor ?? 0) : 0;
  if (paid.amountTotalMinor - taxOnTop !== order.totalMinor) return "amount_mismatch";
  return null;
}

/** What the operator alert and the buyer are told for each rejection. */
export const rejectionReasons: Record<PaymentRejection, string> = {
  order_already_paid: "the order had already been paid through another Checkout Session",
  not_current_session: "the Checkout Session was not the order's current one (the order changed after it was opened)",
  currency_mismatch: "the Checkout Session was paid in another currency than the order's",
  amount_mismatch: "the amount paid differs from the order's total",
};

/** Why a payment for the order's own session cannot buy its places any more, because of the race (ADR 0023). */
export type RaceRefusal = "race_cancelled" | "sales_closed";

export type RaceOnSale = { status: RaceStatus; registrationClosesAt: Date | null; startsAt: Date };
export type TicketTypeOnSale = { salesEndAt: Date | null; archivedAt: Date | null };

/**
 * A cancelled race takes no payment, even one for places still held: the cancellation refunds it. A payment for a
 * live hold on a race closed meanwhile (by the organiser, its registration deadline or its start) is honoured: the
 * places were held for this buyer while the race was on sale. A late payment (the hold is gone) takes places afresh,
 * so only where a new hold would be accepted now: the race published, registration not closed, the race not
 * started, and every ticket type it buys still on sale and not archived.
 */
export function raceRefusal(race: RaceOnSale, ticketTypes: TicketTypeOnSale[], { late, now }: { late: boolean; now: Date }): RaceRefusal | null {
  if (race.status === "CANCELLED") return "race_cancelled";
  if (!late) return null;
  const closed = (at: Date | null) => at !== null && at <= now;
  if (race.status !== "PUBLISHED" || closed(race.registrationClosesAt) || closed(race.startsAt)) return "sales_closed";
  if (ticketTypes.some((type) => type.archivedAt !== null || closed(type.salesEndAt))) return "sales_closed";
  return null;
}
