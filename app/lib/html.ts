/** Text made safe to put inside HTML (emails are assembled as strings). */
export function escapeHtml(text: string) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
