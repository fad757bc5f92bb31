import { escapeHtml } from "~/lib/html";
import { link, type EmailContent } from "./email";

/** The link that sets a new password; it works once, for `minutes`. */
export function passwordResetEmail({ name, resetLink, minutes }: { name: string; resetLink: string; minutes: number }): EmailContent {
  const intro = `Someone (hopefully you) asked to reset the password of your Startline account.`;
  const ignore = "If it was not you, ignore this email: your password stays as it is.";
  return {
    kind: "password-reset",
    subject: "Reset your Startline password",
    text: `Hi ${name},\n\n${intro} Choose a new one here within ${minutes} minutes (the link works once):\n${resetLink}\n\n${ignore}`,
    html: `<p>Hi ${escapeHtml(name)},</p><p>${escapeHtml(intro)} Choose a new one within ${minutes} minutes (the link works once):</p><p>${link(resetLink, "Choose a new password")}</p><p>${escapeHtml(ignore)}</p>`,
  };
}
