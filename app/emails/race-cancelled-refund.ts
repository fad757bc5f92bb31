import type { EmailContent } from "./email";
import { orderLetter, SETTLEMENT_NOTE } from "./order-letter";

/** The race was cancelled: the order's tickets are cancelled and everything paid comes back (`amount` null: nothing to pay back). */
export function raceCancelledRefundEmail({ buyerName, orderId, raceName, amount }: { buyerName: string; orderId: string; raceName: string; amount: string | null }): EmailContent {
  return orderLetter({
    kind: "refund",
    subject: amount ? `${raceName} is cancelled: ${amount} refunded` : `${raceName} is cancelled`,
    name: buyerName,
    orderId,
    lines: [
      `The organiser has cancelled ${raceName}, so your tickets for it are cancelled.`,
      amount ? `We have refunded ${amount}, everything you paid, to the payment method you used. ${SETTLEMENT_NOTE}` : "There was nothing to pay back on this order.",
    ],
  });
}
