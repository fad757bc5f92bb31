import { describe, expect, it } from "vitest";
import { applyDiscountRule, discountCodeState, normaliseCode, type DiscountRule } from "./discount-rules";

const now = new Date("2026-06-01T12:00:00Z");

function rule(overrides: Partial<DiscountRule> = {}): DiscountRule {
  return {
    id: "code_1",
    code: "EARLY",
    kind: "PERCENT",
    amount: 10,
    active: true,
    validFrom: null,
    validUntil: null,
    maxRedemptions: null,
    redemptionCount: 0,
    perUserLimit: null,
    ticketTypeIds: [],
    ...overrides,
  };
}

const apply = (r: DiscountRule | null, lines = [{ ticketTypeId: "10k", priceMinor: 3000, quantity: 1 }], usesByEmail = 0) =>
  applyDiscountRule(r, { lines, now, usesByEmail });

describe("percent discounts", () => {
  it("takes the percentage off each in-scope line, rounded half up per line", () => {
    const result = apply(rule({ amount: 15 }), [
      { ticketTypeId: "10k", priceMinor: 1999, quantity: 1 }, // 299.85 → 300
      { ticketTypeId: "5k", priceMinor: 1001, quantity: 3 }, // 450.45 → 450
    ]);
    expect(result).toEqual({
      ok: true,
      codeId: "code_1",
      code: "EARLY",
      discountMinor: 750,
      perLine: [
        { ticketTypeId: "10k", discountMinor: 300 },
        { ticketTypeId: "5k", discountMinor: 450 },
      ],
    });
  });

  it("rounds exactly half a minor unit up", () => {
    expect(apply(rule({ amount: 50 }), [{ ticketTypeId: "10k", priceMinor: 101, quantity: 1 }])).toMatchObject({ discountMinor: 51 });
  });

  it("leaves out-of-scope lines alone", () => {
    const result = apply(rule({ amount: 50, ticketTypeIds: ["5k"] }), [
      { ticketTypeId: "10k", priceMinor: 3000, quantity: 2 },
      { ticketTypeId: "5k", priceMinor: 2000, quantity: 1 },
    ]);
    expect(result).toMatchObject({ ok: true, discountMinor: 1000, perLine: [{ discountMinor: 0 }, { discountMinor: 1000 }] });
  });

  it("100 % makes the in-scope lines free and no more", () => {
    expect(apply(rule({ amount: 100 }), [{ ticketTypeId: "10k", priceMinor: 2999, quantity: 3 }])).toMatchObject({ discountMinor: 8997 });
  });
});

describe("fixed discounts", () => {
  it("takes the amount once per order", () => {
    expect(apply(rule({ kind: "FIXED", amount: 500 }), [{ ticketTypeId: "10k", priceMinor: 3000, quantity: 2 }])).toMatchObject({
      discountMinor: 500,
      perLine: [{ ticketTypeId: "10k", discountMinor: 500 }],
    });
  });

  it("never exceeds the in-scope subtotal", () => {
    const result = apply(rule({ kind: "FIXED", amount: 10_000, ticketTypeIds: ["kids"] }), [
      { ticketTypeId: "10k", priceMinor: 3000, quantity: 1 },
      { ticketTypeId: "kids", priceMinor: 800, quantity: 2 },
    ]);
    expect(result).toMatchObject({ ok: true, discountMinor: 1600, perLine: [{ discountMinor: 0 }, { discountMinor: 1600 }] });
  });

  it("spreads the amount over in-scope lines in proportion, adding up exactly", () => {
    const result = apply(rule({ kind: "FIXED", amount: 1000 }), [
      { ticketTypeId: "a", priceMinor: 1000, quantity: 1 },
      { ticketTypeId: "b", priceMinor: 1000, quantity: 1 },
      { ticketTypeId: "c", priceMinor: 1000, quantity: 1 },
    ]);
    expect(result).toMatchObject({ discountMinor: 1000, perLine: [{ discountMinor: 334 }, { discountMinor: 333 }, { discountMinor: 333 }] });
  });

  it("gives a free in-scope line a zero discount", () => {
    expect(apply(rule({ kind: "FIXED", amount: 500 }), [{ ticketTypeId: "10k", priceMinor: 0, quantity: 1 }])).toMatchObject({ ok: true, discountMinor: 0 });
  });
});

describe("rejections", () => {
  it.each([
    ["unknown_code", null, 0],
    ["inactive", rule({ active: false }), 0],
    ["not_yet_valid", rule({ validFrom: new Date("2026-06-01T12:00:01Z") }), 0],
    ["expired", rule({ validUntil: new Date("2026-06-01T11:59:59Z") }), 0],
    ["used_up", rule({ maxRedemptions: 5, redemptionCount: 5 }), 0],
    ["per_user_limit", rule({ perUserLimit: 2 }), 2],
    ["not_applicable", rule({ ticketTypeIds: ["kids"] }), 0],
  ] as const)("%s", (reason, r, uses) => {
    const result = apply(r, undefined, uses);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.message.length).toBeGreaterThan(10);
    }
  });

  it("accepts the boundaries of the validity window and the last redemption", () => {
    expect(apply(rule({ validFrom: now, validUntil: now, maxRedemptions: 5, redemptionCount: 4, perUserLimit: 2 }), undefined, 1).ok).toBe(true);
  });

  it("refuses malformed lines as a programming error", () => {
    expect(() => apply(rule(), [{ ticketTypeId: "10k", priceMinor: 10.5, quantity: 1 }])).toThrow(RangeError);
    expect(() => apply(rule(), [{ ticketTypeId: "10k", priceMinor: 100, quantity: 0 }])).toThrow(RangeError);
  });
});

it("normalises codes to upper case", () => {
  expect(normaliseCode("  early-Bird ")).toBe("EARLY-BIRD");
});

it.each([
  [{}, "active"],
  [{ active: false, validUntil: new Date("2020-01-01") }, "inactive"],
  [{ validUntil: new Date("2026-06-01T11:00:00Z") }, "expired"],
  [{ maxRedemptions: 3, redemptionCount: 3 }, "used up"],
  [{ validFrom: new Date("2026-07-01T00:00:00Z") }, "scheduled"],
] as const)("a code with %o is shown as %s", (overrides, label) => {
  expect(discountCodeState(rule(overrides), now).label).toBe(label);
});
