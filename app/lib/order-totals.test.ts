import { describe, expect, it } from "vitest";
import { orderTotals } from "./order-totals";

describe("orderTotals", () => {
  it("adds up tickets with no tax", () => {
    expect(orderTotals({ prices: [3000, 3000, 4500], taxMode: "NONE", taxRateBps: 2300 })).toEqual({
      subtotalMinor: 10500,
      discountMinor: 0,
      taxMinor: 0,
      feeMinor: 0,
      totalMinor: 10500,
      taxAtPayment: false,
    });
  });

  it("applies a fixed tax rate to the discounted subtotal, rounding half up", () => {
    const totals = orderTotals({ prices: [3333], discountMinor: 333, taxMode: "FIXED_RATE", taxRateBps: 2350 });
    expect(totals).toMatchObject({ subtotalMinor: 3333, discountMinor: 333, taxMinor: 705, totalMinor: 3705 });
    expect(orderTotals({ prices: [10], taxMode: "FIXED_RATE", taxRateBps: 500 }).taxMinor).toBe(1);
  });

  it("never discounts below zero", () => {
    expect(orderTotals({ prices: [2000], discountMinor: 5000, taxMode: "FIXED_RATE", taxRateBps: 2000 })).toMatchObject({ discountMinor: 2000, taxMinor: 0, totalMinor: 0 });
  });

  it("leaves tax to Stripe when Stripe Tax is on", () => {
    expect(orderTotals({ prices: [3000], taxMode: "STRIPE_TAX", taxRateBps: 0 })).toMatchObject({ taxMinor: 0, totalMinor: 3000, taxAtPayment: true });
  });
});
