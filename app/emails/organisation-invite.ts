import type { OrgRole } from "@prisma/client";
import { escapeHtml } from "~/lib/html";
import { link, type EmailContent } from "./email";

const roleNames: Record<OrgRole, string> = { OWNER: "owner", MANAGER: "manager", CHECKIN: "check-in staff" };

/** An invitation to join an organisation's staff; the link works for 7 days. */
export function organisationInviteEmail({ inviterName, organisationName, role, acceptLink }: { inviterName: string; organisationName: string; role: OrgRole; acceptLink: string }): EmailContent {
  return {
    kind: "organisation_invite",
    subject: `${inviterName} invited you to ${organisationName} on Startline`,
    text: `${inviterName} invited you to join ${organisationName} on Startline as ${roleNames[role]}.\n\nAccept: ${acceptLink}\n\nThe link works for 7 days.`,
    html: `<p>${escapeHtml(inviterName)} invited you to join <strong>${escapeHtml(organisationName)}</strong> on Startline as ${escapeHtml(roleNames[role])}.</p><p>${link(acceptLink, "Accept the invitation")}</p><p>The link works for 7 days.</p>`,
  };
}
