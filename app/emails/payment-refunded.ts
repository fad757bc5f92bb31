import { escapeHtml } from "~/lib/html";
import type { EmailContent } from "./email";

/** How every email about a payment Startline gave back begins: the subject names the race, the body greets the buyer. */
export function paymentRefundedEmail({ kind, buyerName, raceName, text, html }: { kind: string; buyerName: string; raceName: string; text: string; html: string }): EmailContent {
  return {
    kind,
    subject: `Your payment for ${raceName} was refunded`,
    text: `Hi ${buyerName},\n\n${text}`,
    html: `<p>Hi ${escapeHtml(buyerName)},</p>${html}`,
  };
}
