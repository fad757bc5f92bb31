import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashPrefix, waiverContentHash } from "./waiver-hash.server";

describe("waiverContentHash", () => {
  it("is the sha256 of the title, a line feed and the text", () => {
    const expected = createHash("sha256").update("Waiver\nI accept the risks.\nAll of them.").digest("hex");
    expect(waiverContentHash("Waiver", "I accept the risks.\nAll of them.")).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it("can be checked by hand with printf and sha256sum", () => {
    const byHand = execFileSync("sh", ["-c", `printf '%s\\n%s' "$0" "$1" | sha256sum`, "Entry waiver", "I take part at my own risk – café ☕."], { encoding: "utf8" });
    expect(byHand.split(" ")[0]).toBe(waiverContentHash("Entry waiver", "I take part at my own risk – café ☕."));
  });

  it("changes when the title or the text changes", () => {
    const base = waiverContentHash("Waiver", "Text");
    expect(waiverContentHash("Waiver 2", "Text")).not.toBe(base);
    expect(waiverContentHash("Waiver", "Text.")).not.toBe(base);
    expect(waiverContentHash("Waiver", "Text")).toBe(base);
  });

  it("refuses a title with a line break, which would blur where the text begins", () => {
    expect(() => waiverContentHash("Waiver\nI accept", "the risks.")).toThrow(RangeError);
  });

  it("shows a 12-character prefix", () => {
    expect(hashPrefix(waiverContentHash("a", "b"))).toHaveLength(12);
  });
});
