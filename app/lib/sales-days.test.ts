import { describe, expect, it } from "vitest";
import { fillDays } from "./sales-days";

describe("fillDays", () => {
  it("has nothing to show before the first sale", () => {
    expect(fillDays([], 90)).toEqual([]);
  });

  it("fills the days without sales with zeros, across a month end", () => {
    expect(fillDays([{ day: "2026-10-30", tickets: 2 }, { day: "2026-11-02", tickets: 5 }], 90)).toEqual([
      { day: "2026-10-30", tickets: 2 },
      { day: "2026-10-31", tickets: 0 },
      { day: "2026-11-01", tickets: 0 },
      { day: "2026-11-02", tickets: 5 },
    ]);
  });

  it("keeps only the most recent days", () => {
    expect(fillDays([{ day: "2026-01-01", tickets: 1 }, { day: "2026-03-01", tickets: 3 }], 3)).toEqual([
      { day: "2026-02-27", tickets: 0 },
      { day: "2026-02-28", tickets: 0 },
      { day: "2026-03-01", tickets: 3 },
    ]);
  });
});
