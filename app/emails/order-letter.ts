import { escapeHtml } from "~/lib/html";
import { paragraphs, type EmailContent } from "./email";

/** When money given back to a card shows up, said in every refund email. */
export const SETTLEMENT_NOTE = "Refunds to a card usually show on the statement within 5–10 working days.";

/** An email about an order: a greeting, one paragraph per line, and the order's reference. */
export function orderLetter({ kind, subject, name, orderId, lines }: { kind: string; subject: string; name: string; orderId: string; lines: string[] }): EmailContent {
  return {
    kind,
    subject,
    text: [`Hello ${name},`, "", ...lines, "", `Order reference: ${orderId}`].join("\n"),
    html: [`<p>Hello ${escapeHtml(name)},</p>`, paragraphs(lines), `<p>Order reference: ${escapeHtml(orderId)}</p>`].join(""),
  };
}
