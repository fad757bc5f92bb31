import { marked } from "marked";
import sanitizeHtml from "sanitize-html";

/**
 * Rendered HTML by source text: a race page renders the same description and FAQ on every view, and marked plus
 * sanitize-html cost milliseconds each time (ADR 0067). Bounded; the oldest entry goes first.
 */
const rendered = new Map<string, string>();
const RENDERED_MAX = 200;

/** Organiser-written markdown as HTML that is safe to render: no scripts, handlers or foreign frames. */
export function renderMarkdown(markdown: string) {
  const known = rendered.get(markdown);
  if (known !== undefined) return known;
  const html = render(markdown);
  if (rendered.size >= RENDERED_MAX) rendered.delete(rendered.keys().next().value!);
  rendered.set(markdown, html);
  return html;
}

function render(markdown: string) {
  const html = marked.parse(markdown, { async: false, gfm: true, breaks: true });
  return sanitizeHtml(html, {
    allowedTags: ["p", "br", "strong", "em", "a", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td"],
    allowedAttributes: { a: ["href", "title", "rel", "target"] },
    allowedSchemes: ["http", "https", "mailto"],
    transformTags: { a: sanitizeHtml.simpleTransform("a", { rel: "noopener noreferrer nofollow", target: "_blank" }) },
  });
}
