import { describe, expect, it } from "vitest";
import { priceInForce, tierInForce } from "./pricing";

const earlyBird = { label: "Early bird", priceMinor: 2000, endsAt: new Date("2026-03-01T00:00:00Z") };
const standard = { label: "Standard", priceMinor: 2500, endsAt: new Date("2026-05-01T00:00:00Z") };

describe("priceInForce", () => {
  it("is the base price when there are no tiers", () => {
    expect(priceInForce(3000, [], new Date("2026-01-01T00:00:00Z"))).toBe(3000);
  });

  it("uses the earliest tier that has not ended, whatever order the tiers come in", () => {
    expect(priceInForce(3000, [standard, earlyBird], new Date("2026-02-01T00:00:00Z"))).toBe(2000);
    expect(priceInForce(3000, [standard, earlyBird], new Date("2026-04-01T00:00:00Z"))).toBe(2500);
  });

  it("applies a tier until its endsAt, not at it", () => {
    expect(priceInForce(3000, [earlyBird], new Date(earlyBird.endsAt.getTime() - 1))).toBe(2000);
    expect(priceInForce(3000, [earlyBird], earlyBird.endsAt)).toBe(3000);
  });

  it("falls back to the base price after the last tier", () => {
    expect(priceInForce(3000, [earlyBird, standard], new Date("2026-06-01T00:00:00Z"))).toBe(3000);
  });

  it("accepts dates serialised as strings, as loaders send them", () => {
    expect(priceInForce(3000, [{ priceMinor: 1000, endsAt: "2026-03-01T00:00:00.000Z" }], new Date("2026-02-01T00:00:00Z"))).toBe(1000);
  });

  it("tells which tier is in force, so pages can name it", () => {
    expect(tierInForce([standard, earlyBird], new Date("2026-02-01T00:00:00Z"))?.label).toBe("Early bird");
    expect(tierInForce([earlyBird], new Date("2026-04-01T00:00:00Z"))).toBeNull();
  });
});
