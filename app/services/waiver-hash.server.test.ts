import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashPrefix, waiverContentHash } from "./waiver-hash.server";

describe("waiverContentHash", () => {
  it("is the sha256 of the JSON pair [title, text]", () => {
    const expected = createHash("sha256").update('["Waiver","I accept the risks."]').digest("hex");
    expect(waiverContentHash("Waiver", "I accept the risks.")).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it("changes when the title or the text changes", () => {
    const base = waiverContentHash("Waiver", "Text");
    expect(waiverContentHash("Waiver 2", "Text")).not.toBe(base);
    expect(waiverContentHash("Waiver", "Text.")).not.toBe(base);
    expect(waiverContentHash("Waiver", "Text")).toBe(base);
  });

  it("does not confuse where the title ends and the text begins", () => {
    expect(waiverContentHash("ab", "c")).not.toBe(waiverContentHash("a", "bc"));
  });

  it("shows a 12-character prefix", () => {
    expect(hashPrefix(waiverContentHash("a", "b"))).toHaveLength(12);
  });
});
