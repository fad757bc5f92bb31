import { createHash } from "node:crypto";

/**
 * sha256 (hex) of a waiver: the title, a line feed, then the text (UTF-8), so anyone can check a signed
 * version by hand (`printf '%s\n%s' "$title" "$text" | sha256sum`). Titles never contain line breaks,
 * which keeps the split between title and text unambiguous.
 */
export function waiverContentHash(title: string, text: string) {
  if (/[\r\n]/.test(title)) throw new RangeError("a waiver title cannot contain line breaks");
  return createHash("sha256").update(`${title}\n${text}`, "utf8").digest("hex");
}

/** The first characters of a hash, enough to tell versions apart on screen. */
export function hashPrefix(hash: string) {
  return hash.slice(0, 12);
}
