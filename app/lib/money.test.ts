import { describe, expect, it } from "vitest";
import { formatMoney, minorUnitDigits, parseMoney, toMajorUnits } from "./money";

describe("parseMoney", () => {
  it.each([
    ["30.00", "EUR", 3000],
    ["30", "EUR", 3000],
    ["30.5", "EUR", 3050],
    ["30,50", "EUR", 3050],
    [" 0.99 ", "EUR", 99],
    ["0", "EUR", 0],
    ["1500", "JPY", 1500],
    ["1.234", "KWD", 1234],
  ])("%s %s → %d minor units", (input, currency, expected) => {
    expect(parseMoney(input, currency)).toBe(expected);
  });

  it.each([["30.001", "EUR"], ["-5", "EUR"], ["1,000.00", "EUR"], ["abc", "EUR"], ["", "EUR"], ["15.5", "JPY"], ["3e3", "EUR"]])(
    "refuses %s %s",
    (input, currency) => {
      expect(parseMoney(input, currency)).toBeNull();
    },
  );
});

describe("formatting", () => {
  it("knows each currency's minor unit", () => {
    expect(minorUnitDigits("EUR")).toBe(2);
    expect(minorUnitDigits("JPY")).toBe(0);
  });

  it("formats minor units in the currency and locale", () => {
    expect(formatMoney(3000, "EUR", "en-IE")).toBe("€30.00");
    expect(formatMoney(3050, "GBP", "en-GB")).toBe("£30.50");
    expect(formatMoney(1500, "JPY", "en-US")).toBe("¥1,500");
  });

  it("turns minor units back into what a price field shows", () => {
    expect(toMajorUnits(3050, "EUR")).toBe("30.50");
    expect(toMajorUnits(1500, "JPY")).toBe("1500");
    expect(parseMoney(toMajorUnits(1999, "EUR"), "EUR")).toBe(1999);
  });
});

describe("formatMoney in the viewer's locale", () => {
  it("uses the currency's decimals and the locale's conventions", () => {
    expect(formatMoney(11_000, "EUR", "en-IE")).toBe("€110.00");
    expect(formatMoney(11_000, "EUR", "de-DE")).toBe("110,00\u00a0€");
    expect(formatMoney(1_500, "JPY", "en-US")).toBe("¥1,500");
    expect(formatMoney(-250, "GBP", "en-GB")).toBe("-£2.50");
  });
});
