import { randomInt } from "node:crypto";
import { describe, expect, it } from "vitest";
import { accruedCredit, admissible, aheadNow, etaMinutes, isCalled, shuffled } from "./queue-rules";

describe("pre-queue shuffle", () => {
  it("is a uniform permutation: every one of the 24 orders of 4 people is about equally likely", () => {
    const runs = 48_000;
    const seen = new Map<string, number>();
    for (let i = 0; i < runs; i++) {
      const order = shuffled(["a", "b", "c", "d"], (n) => randomInt(n)).join("");
      seen.set(order, (seen.get(order) ?? 0) + 1);
    }
    expect(seen.size).toBe(24);
    const expected = runs / 24;
    const chiSquare = [...seen.values()].reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
    // 23 degrees of freedom: P(χ² > 49.7) ≈ 0.001, so a correct shuffle fails this about once in a thousand runs.
    expect(chiSquare).toBeLessThan(49.7);
  });

  it("puts each person in each place equally often (50 people, 20,000 shuffles)", () => {
    const people = Array.from({ length: 50 }, (_, i) => i);
    const first = new Array<number>(50).fill(0);
    const runs = 20_000;
    for (let i = 0; i < runs; i++) first[shuffled(people, (n) => randomInt(n))[0]!]! += 1;
    const expected = runs / 50;
    const chiSquare = first.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
    // 49 degrees of freedom: P(χ² > 85.4) ≈ 0.001.
    expect(chiSquare).toBeLessThan(85.4);
  });

  it("catches a biased shuffle (the naive swap-with-any variant)", () => {
    const naive = (items: string[]) => {
      const out = [...items];
      for (let i = 0; i < out.length; i++) {
        const j = randomInt(out.length);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    };
    const runs = 48_000;
    const seen = new Map<string, number>();
    for (let i = 0; i < runs; i++) {
      const order = naive(["a", "b", "c", "d"]).join("");
      seen.set(order, (seen.get(order) ?? 0) + 1);
    }
    const expected = runs / 24;
    const chiSquare = [...seen.values()].reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeGreaterThan(49.7);
  });

  it("keeps everyone exactly once", () => {
    const people = Array.from({ length: 1000 }, (_, i) => i);
    expect(shuffled(people, (n) => randomInt(n)).sort((a, b) => a - b)).toEqual(people);
  });
});

describe("admission limits", () => {
  it("never admits more than places left minus unused passes, nor past the cap", () => {
    expect(admissible({ wanted: 10, placesLeft: 5, passesUnused: 2, checkoutCap: 100, inCheckout: 2 })).toBe(3);
    expect(admissible({ wanted: 10, placesLeft: 100, passesUnused: 0, checkoutCap: 4, inCheckout: 1 })).toBe(3);
    expect(admissible({ wanted: 2.7, placesLeft: 100, passesUnused: 0, checkoutCap: 100, inCheckout: 0 })).toBe(2);
    expect(admissible({ wanted: 5, placesLeft: 1, passesUnused: 3, checkoutCap: 100, inCheckout: 3 })).toBe(0);
  });

  it("accrues the rate per elapsed time, capped at one tick's worth", () => {
    expect(accruedCredit(0, 60, 1_000, 1_000)).toBeCloseTo(1);
    expect(accruedCredit(0.5, 30, 1_000, 1_000)).toBeCloseTo(1);
    expect(accruedCredit(0, 60, 3_600_000, 1_000)).toBe(1);
    expect(accruedCredit(0, 600, 3_600_000, 1_000)).toBe(10);
  });
});

describe("position derived from the broadcast", () => {
  const exact = { number: 10, ahead: 6, admittedThen: 3 };
  it("falls with every admission and never goes up", () => {
    expect(aheadNow(exact, { servingUpTo: 3, admitted: 3 })).toBe(6);
    expect(aheadNow(exact, { servingUpTo: 5, admitted: 5 })).toBe(4);
    expect(aheadNow(exact, { servingUpTo: 8, admitted: 6 })).toBe(1);
    expect(aheadNow(exact, { servingUpTo: 9, admitted: 6 })).toBe(0);
    expect(aheadNow(exact, { servingUpTo: 2, admitted: 0 })).toBe(6);
  });

  it("knows it is called once serving reaches the number", () => {
    expect(isCalled(10, 9)).toBe(false);
    expect(isCalled(10, 10)).toBe(true);
    expect(isCalled(null, 100)).toBe(false);
  });

  it("estimates minutes from the measured rate", () => {
    expect(etaMinutes(59, 60)).toBe(1);
    expect(etaMinutes(120, 60)).toBe(3);
    expect(etaMinutes(10, 0)).toBeNull();
  });
});
