import { describe, expect, it } from "vitest";
import { connectStateOf, feeFromBps, publishingBlockerFor } from "./payout-rules";

describe("connectStateOf", () => {
  it("is pending until the owner submits their details", () => {
    expect(connectStateOf({ charges_enabled: false, payouts_enabled: false, details_submitted: false })).toEqual({
      connectStatus: "PENDING",
      chargesEnabled: false,
      payoutsEnabled: false,
    });
  });
  it("is enabled only when both charges and payouts are", () => {
    expect(connectStateOf({ charges_enabled: true, payouts_enabled: true, details_submitted: true }).connectStatus).toBe("ENABLED");
    expect(connectStateOf({ charges_enabled: true, payouts_enabled: false, details_submitted: true })).toEqual({
      connectStatus: "RESTRICTED",
      chargesEnabled: true,
      payoutsEnabled: false,
    });
  });
});

describe("feeFromBps", () => {
  it("rounds to a whole minor unit, half up", () => {
    expect(feeFromBps(4_250, 300)).toBe(128);
    expect(feeFromBps(50, 300)).toBe(2);
    expect(feeFromBps(10_000, 0)).toBe(0);
    expect(feeFromBps(10_000, 10_000)).toBe(10_000);
  });
});

describe("publishingBlockerFor", () => {
  it("never blocks when payments are simulated (no Stripe)", () => {
    expect(publishingBlockerFor({ connectStatus: "NOT_STARTED", chargesEnabled: false }, false)).toBeNull();
  });
  it("blocks with Stripe until charges are enabled, saying what to do", () => {
    expect(publishingBlockerFor({ connectStatus: "NOT_STARTED", chargesEnabled: false }, true)).toMatch(
      /^Finish payout setup with Stripe before publishing paid races: an owner/,
    );
    expect(publishingBlockerFor({ connectStatus: "PENDING", chargesEnabled: false }, true)).toMatch(/waiting for the owner's details/);
    expect(publishingBlockerFor({ connectStatus: "RESTRICTED", chargesEnabled: false }, true)).toMatch(/more information/);
    expect(publishingBlockerFor({ connectStatus: "RESTRICTED", chargesEnabled: true }, true)).toBeNull();
  });
});
