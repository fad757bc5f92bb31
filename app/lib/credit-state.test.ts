import { describe, expect, it } from "vitest";
import { balanceBreakdown, purchaseCredits } from "./credit-state";

const now = new Date("2026-12-02T12:00:00.000Z");
const later = "2027-12-02T12:00:00.000Z";
const earlier = "2026-11-30T12:00:00.000Z";

describe("a purchase's credits", () => {
  it("shows what is left until everything is spent, then 'used up'", () => {
    expect(purchaseCredits({ credits: 50, remaining: 20, expiresAt: later, expiredCredits: 0 }, now)).toEqual({ state: "available", left: 20, expiresAt: later });
    expect(purchaseCredits({ credits: 50, remaining: 0, expiresAt: later, expiredCredits: 0 }, now)).toEqual({ state: "used_up" });
  });

  it("is 'expired' when credits were left at the expiry date, before or after housekeeping took them", () => {
    expect(purchaseCredits({ credits: 50, remaining: 0, expiresAt: earlier, expiredCredits: 30 }, now)).toEqual({ state: "expired", expiredCredits: 30, expiredAt: earlier });
    expect(purchaseCredits({ credits: 50, remaining: 12, expiresAt: earlier, expiredCredits: 0 }, now)).toEqual({ state: "expired", expiredCredits: 12, expiredAt: earlier });
  });

  it("stays 'used up' after its date when everything was spent in time", () => {
    expect(purchaseCredits({ credits: 50, remaining: 0, expiresAt: earlier, expiredCredits: 0 }, now)).toEqual({ state: "used_up" });
  });
});

describe("the balance's breakdown", () => {
  it("groups unspent grants by expiry day, soonest first, and the rest never expires", () => {
    const breakdown = balanceBreakdown(230, [
      { remaining: 100, expiresAt: "2027-12-02T12:00:00.000Z" },
      { remaining: 50, expiresAt: "2027-01-02T08:00:00.000Z" },
      { remaining: 30, expiresAt: "2027-12-02T18:00:00.000Z" },
      { remaining: 0, expiresAt: "2027-02-02T08:00:00.000Z" },
    ]);
    expect(breakdown).toEqual({
      expiring: [
        { credits: 50, expiresAt: "2027-01-02T08:00:00.000Z" },
        { credits: 130, expiresAt: "2027-12-02T12:00:00.000Z" },
      ],
      neverExpire: 50,
    });
  });

  it("never reports a negative remainder", () => {
    expect(balanceBreakdown(0, [{ remaining: 10, expiresAt: later }]).neverExpire).toBe(0);
  });
});
