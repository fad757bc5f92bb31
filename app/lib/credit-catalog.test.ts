import { describe, expect, it } from "vitest";
import { allowanceExpiry, creditPacks, findPack, membershipPlan, packExpiry } from "./credit-catalog";

describe("the credit catalog", () => {
  it("prices every pack in whole minor units with unique ids, and finds only those", () => {
    expect(new Set(creditPacks.map((p) => p.id)).size).toBe(creditPacks.length);
    for (const pack of [...creditPacks, { ...membershipPlan, credits: membershipPlan.creditsPerPeriod }]) {
      expect(Number.isInteger(pack.amountMinor) && pack.amountMinor > 0).toBe(true);
      expect(Number.isInteger(pack.credits) && pack.credits > 0).toBe(true);
    }
    expect(findPack("pack_50")?.credits).toBe(50);
    expect(findPack("pack_unknown")).toBeNull();
  });

  it("lets pack credits expire twelve months after payment, in UTC", () => {
    expect(packExpiry(new Date("2026-01-31T10:00:00Z")).toISOString()).toBe("2027-01-31T10:00:00.000Z");
  });

  it("lets a membership allowance expire at the end of the following period", () => {
    const start = new Date("2026-03-01T00:00:00Z");
    const end = new Date("2026-03-31T00:00:00Z");
    expect(allowanceExpiry(start, end).toISOString()).toBe("2026-04-30T00:00:00.000Z");
  });
});
