import { describe, expect, it } from "vitest";
import { preferredLocale } from "./locale.server";

const withLanguage = (value?: string) => new Request("http://localhost/", { headers: value ? { "Accept-Language": value } : {} });

describe("preferredLocale", () => {
  it("takes the first language the browser prefers", () => {
    expect(preferredLocale(withLanguage("de-DE,de;q=0.9,en;q=0.8"))).toBe("de-DE");
    expect(preferredLocale(withLanguage("fr;q=0.9"))).toBe("fr");
  });

  it.each([undefined, "*", "not a locale!!"])("falls back to en-IE for %j", (value) => {
    expect(preferredLocale(withLanguage(value))).toBe("en-IE");
  });
});
