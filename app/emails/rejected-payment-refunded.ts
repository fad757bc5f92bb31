import { escapeHtml } from "~/lib/html";
import { link, type EmailContent } from "./email";
import { paymentRefundedEmail } from "./payment-refunded";

/** A payment from an out-of-date checkout page was not accepted and was refunded; the order is still unpaid. */
export function rejectedPaymentRefundedEmail({ buyerName, raceName, amount, orderUrl }: { buyerName: string; raceName: string; amount: string; orderUrl: string }): EmailContent {
  const why = "We received a payment from a checkout page that no longer matched your order (it had changed since the page was opened), so we did not accept it.";
  return paymentRefundedEmail({
    kind: "payment_rejected_refunded",
    buyerName,
    raceName,
    text: `${why} We have refunded ${amount} in full; it reaches your account in 5–10 days. Your order has not been paid: ${orderUrl}`,
    html: `<p>${escapeHtml(why)} We have refunded <strong>${escapeHtml(amount)}</strong> in full; it reaches your account in 5–10 days.</p><p>${link(orderUrl, "Your order")} has not been paid.</p>`,
  });
}
