import { escapeHtml } from "~/lib/html";
import { link, type EmailContent } from "./email";

/** A room member's ticket of someone else's order: their own link to fill in their form and sign the waiver. */
export function ticketAssignedEmail({ assigneeName, buyerName, raceName, ticketTypeName, formUrl }: { assigneeName: string; buyerName: string; raceName: string; ticketTypeName: string; formUrl: string }): EmailContent {
  const what = `${raceName} (${ticketTypeName})`;
  return {
    kind: "ticket_assigned",
    subject: `${buyerName} registered you for ${raceName}`,
    text: `Hi ${assigneeName},\n\n${buyerName} is registering your room for ${what}. Fill in your participant details and sign the waiver before they pay:\n${formUrl}`,
    html: `<p>Hi ${escapeHtml(assigneeName)},</p><p>${escapeHtml(buyerName)} is registering your room for <strong>${escapeHtml(what)}</strong>. Fill in your participant details and sign the waiver before they pay:</p><p>${link(formUrl, "Fill in your form")}</p>`,
  };
}
