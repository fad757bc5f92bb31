import { escapeHtml } from "~/lib/html";
import { link, type EmailContent } from "./email";
import { verificationParagraph } from "./verify-email";

/** Sent when an account is made, with the link that verifies its address. */
export function welcomeEmail({ name, appUrl, verifyLink, verifyLinkHours }: { name: string; appUrl: string; verifyLink: string; verifyLinkHours: number }): EmailContent {
  const verify = verificationParagraph(verifyLink, verifyLinkHours);
  return {
    kind: "welcome",
    subject: "Welcome to Startline",
    text: `Hi ${name},\n\nYour Startline account is ready. Find your next race at ${appUrl}.\n\n${verify.text}\n\nSee you at the start line!`,
    html: `<p>Hi ${escapeHtml(name)},</p><p>Your Startline account is ready. Find your next race at ${link(appUrl, appUrl)}.</p>${verify.html}<p>See you at the start line!</p>`,
  };
}
