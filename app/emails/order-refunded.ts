import type { EmailContent } from "./email";
import { orderLetter, SETTLEMENT_NOTE } from "./order-letter";

/**
 * The organiser refunded an order: in full (its tickets are cancelled) or in part (they stay valid). `amount` null:
 * nothing was left to refund, the tickets are only cancelled.
 */
export function orderRefundedEmail({ buyerName, orderId, raceName, full, amount }: { buyerName: string; orderId: string; raceName: string; full: boolean; amount: string | null }): EmailContent {
  return orderLetter({
    kind: "refund",
    subject: amount ? `Refund of ${amount} for ${raceName}` : `Tickets cancelled for ${raceName}`,
    name: buyerName,
    orderId,
    lines: [
      full ? `The organiser of ${raceName} has refunded your order in full; its tickets are cancelled.` : `The organiser of ${raceName} has refunded part of your order; your tickets stay valid.`,
      amount ? `We have refunded ${amount} to the payment method you used. ${SETTLEMENT_NOTE}` : "No further money is due back on this order.",
    ],
  });
}
