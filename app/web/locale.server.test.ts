import { describe, expect, it } from "vitest";
import { viewerLocale } from "./locale.server";

const withLanguage = (value?: string) => new Request("http://localhost/", { headers: value ? { "Accept-Language": value } : {} });

describe("viewerLocale", () => {
  it("takes the first language the browser prefers", () => {
    expect(viewerLocale(withLanguage("de-DE,de;q=0.9,en;q=0.8"))).toBe("de-DE");
    expect(viewerLocale(withLanguage("fr;q=0.9"))).toBe("fr");
  });

  it.each([undefined, "*", "not a locale!!"])("falls back to en-IE for %j", (value) => {
    expect(viewerLocale(withLanguage(value))).toBe("en-IE");
  });
});
