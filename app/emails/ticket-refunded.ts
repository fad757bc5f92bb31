import type { EmailContent } from "./email";
import { orderLetter, SETTLEMENT_NOTE } from "./order-letter";

/** The organiser refunded one ticket (`amount` null: nothing was left to refund, the ticket is only cancelled). */
export function ticketRefundedEmail({ buyerName, orderId, raceName, holder, amount }: { buyerName: string; orderId: string; raceName: string; holder: string; amount: string | null }): EmailContent {
  return orderLetter({
    kind: "refund",
    subject: amount ? `Refund of ${amount} for ${raceName}` : `Ticket cancelled for ${raceName}`,
    name: buyerName,
    orderId,
    lines: [
      `The organiser of ${raceName} has cancelled the ticket of ${holder}.`,
      amount ? `We have refunded ${amount} to the payment method you used. ${SETTLEMENT_NOTE}` : "No further money is due back on this order.",
    ],
  });
}
