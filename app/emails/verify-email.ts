import { escapeHtml } from "~/lib/html";
import { link, type EmailContent } from "./email";

/** The paragraph with the link that verifies the address (this email, and the welcome email). */
export function verificationParagraph(verifyLink: string, hours: number) {
  return {
    text: `Please confirm this is your email address by opening this link (it works for ${hours} hours):\n${verifyLink}`,
    html: `<p>Please confirm this is your email address (the link works for ${hours} hours):<br>${link(verifyLink, "Verify my email address")}</p>`,
  };
}

/** A fresh verification link, asked for from the verify-email page. */
export function verifyEmailEmail({ name, verifyLink, hours }: { name: string; verifyLink: string; hours: number }): EmailContent {
  const paragraph = verificationParagraph(verifyLink, hours);
  return {
    kind: "verify-email",
    subject: "Verify your email address for Startline",
    text: `Hi ${name},\n\n${paragraph.text}\n\nIf you did not ask for this, you can ignore this email.`,
    html: `<p>Hi ${escapeHtml(name)},</p>${paragraph.html}<p>If you did not ask for this, you can ignore this email.</p>`,
  };
}
