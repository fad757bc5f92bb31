import { escapeHtml } from "~/lib/html";

/**
 * What one email says: its kind (how the outbox and delivery notices know it), subject, plain text and
 * HTML. Every email is built by one function in this folder from plain data; services record and send it.
 */
export type EmailContent = { kind: string; subject: string; text: string; html: string };

/** HTML paragraphs, each line escaped. */
export function paragraphs(lines: string[]) {
  return lines.map((line) => `<p>${escapeHtml(line)}</p>`).join("");
}

/** A link in an email's HTML: the address and the words both escaped. */
export function link(href: string, words: string) {
  return `<a href="${escapeHtml(href)}">${escapeHtml(words)}</a>`;
}
