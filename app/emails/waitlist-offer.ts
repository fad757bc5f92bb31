import { escapeHtml } from "~/lib/html";
import { link, type EmailContent } from "./email";

/** A place freed up for someone on a waiting list: it is held for them until `until`; the link claims it. */
export function waitlistOfferEmail({ name, raceName, ticketTypeName, until, claimUrl }: { name: string; raceName: string; ticketTypeName: string; until: string; claimUrl: string }): EmailContent {
  const what = `${raceName} (${ticketTypeName})`;
  return {
    kind: "waitlist_offer",
    subject: `A place in ${raceName} is waiting for you`,
    text: `Hi ${name},\n\nA place in ${what} has freed up and it is yours if you want it. We are holding it for you until ${until}; after that it goes to the next person on the waiting list.\n\nClaim it here:\n${claimUrl}`,
    html: `<p>Hi ${escapeHtml(name)},</p><p>A place in <strong>${escapeHtml(what)}</strong> has freed up and it is yours if you want it. We are holding it for you until ${escapeHtml(until)}; after that it goes to the next person on the waiting list.</p><p>${link(claimUrl, "Claim your place")}</p>`,
  };
}
