import type { EmailContent } from "./email";
import { orderLetter } from "./order-letter";

type RefundFailure = {
  managerName: string;
  orderId: string;
  raceName: string;
  buyerName: string;
  buyerEmail: string;
  /** The refund that failed, and what is still refunded on the order now. */
  amount: string;
  refundedNow: string;
  failure: string;
  /** The order counts as paid again. */
  paidAgain: boolean;
  reinstated: string[];
  placeTaken: string[];
  raceCancelled: string[];
};

/** To an organisation's owners and managers: a refund failed at the bank, and which tickets were (not) issued again. */
export function refundFailedEmail(refund: RefundFailure): EmailContent {
  const lines = [
    `A refund of ${refund.amount} to ${refund.buyerName} (${refund.buyerEmail}) for ${refund.raceName} failed: ${refund.failure.replaceAll("_", " ")}. The money was not returned${refund.paidAgain ? ", so the order counts as paid again" : ""} (${refund.refundedNow} refunded now).`,
    refund.reinstated.length ? `Tickets issued again: ${refund.reinstated.join(", ")}.` : null,
    refund.placeTaken.length
      ? `Not reinstated because their places have been sold again: ${refund.placeTaken.join(", ")}. Raise the capacity and contact the buyer, or refund them another way.`
      : null,
    refund.raceCancelled.length ? `Not reinstated because the race is cancelled: ${refund.raceCancelled.join(", ")}. Refund the order again, or pay the buyer back another way.` : null,
    "Contact the buyer about another way to pay them back, or refund again from the participant's page.",
  ].filter((line): line is string => line !== null);
  return orderLetter({ kind: "refund_failed", subject: `A refund failed: ${refund.raceName}`, name: refund.managerName, orderId: refund.orderId, lines });
}
