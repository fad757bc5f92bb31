import { describe, expect, it } from "vitest";
import { currencyDigits, formatMoney, parseMajorUnits, toMajorUnits } from "./money";

describe("money", () => {
  it("knows each currency's minor-unit digits", () => {
    expect([currencyDigits("EUR"), currencyDigits("JPY"), currencyDigits("KWD")]).toEqual([2, 0, 3]);
  });

  it.each([
    ["12", "EUR", 1200],
    ["12.5", "EUR", 1250],
    ["12,50", "EUR", 1250],
    ["0.01", "EUR", 1],
    ["500", "JPY", 500],
    ["1.234", "KWD", 1234],
    ["12.345", "EUR", null],
    ["5.5", "JPY", null],
    ["-1", "EUR", null],
    ["1e3", "EUR", null],
    ["", "EUR", null],
  ])("%s %s → %s minor units", (input, currency, expected) => {
    expect(parseMajorUnits(input, currency)).toBe(expected);
  });

  it("shows minor units back as a form value and for people", () => {
    expect(toMajorUnits(1250, "EUR")).toBe("12.50");
    expect(toMajorUnits(500, "JPY")).toBe("500");
    expect(formatMoney(1250, "EUR", "en-IE")).toBe("€12.50");
  });
});
