import { createHash } from "node:crypto";

/**
 * sha256 (hex) of a waiver's title and text. The pair is hashed as the JSON array `[title, text]` so no
 * choice of title and text can collide with another split of the same characters.
 */
export function waiverContentHash(title: string, text: string) {
  return createHash("sha256").update(JSON.stringify([title, text]), "utf8").digest("hex");
}

/** The first characters of a hash, enough to tell versions apart on screen. */
export function hashPrefix(hash: string) {
  return hash.slice(0, 12);
}
