import { describe, expect, it } from "vitest";
import { formatMoney } from "./money";

describe("formatMoney", () => {
  it("uses the currency's decimals and the viewer's locale", () => {
    expect(formatMoney(11_000, "EUR", "en-IE")).toBe("€110.00");
    expect(formatMoney(11_000, "EUR", "de-DE")).toBe("110,00\u00a0€");
    expect(formatMoney(1_500, "JPY", "en-US")).toBe("¥1,500");
    expect(formatMoney(-250, "GBP", "en-GB")).toBe("-£2.50");
  });
});
