import { describe, expect, it } from "vitest";
import { formatInZone, utcToZonedLocal, zonedLocalToUtc } from "./zoned-time";

describe("zoned wall-clock times", () => {
  it.each([
    ["2026-01-15T09:30", "Europe/Dublin", "2026-01-15T09:30:00.000Z"],
    ["2026-07-15T09:30", "Europe/Dublin", "2026-07-15T08:30:00.000Z"],
    ["2026-07-15T09:30", "America/New_York", "2026-07-15T13:30:00.000Z"],
    ["2026-07-15T09:30", "Asia/Kolkata", "2026-07-15T04:00:00.000Z"],
  ])("%s in %s is %s", (local, zone, iso) => {
    expect(zonedLocalToUtc(local, zone).toISOString()).toBe(iso);
    expect(utcToZonedLocal(new Date(iso), zone)).toBe(local);
  });

  it("moves a time skipped by the spring DST change past the gap", () => {
    expect(zonedLocalToUtc("2026-03-29T01:30", "Europe/Dublin").toISOString()).toBe("2026-03-29T01:30:00.000Z");
  });

  it("takes the first of a time repeated by the autumn DST change", () => {
    expect(zonedLocalToUtc("2026-10-25T01:30", "Europe/Dublin").toISOString()).toBe("2026-10-25T00:30:00.000Z");
  });
});

it("formats an instant for people in the race's zone, naming the zone", () => {
  expect(formatInZone(new Date("2026-07-15T08:30:00Z"), "Europe/Dublin", "en-GB")).toMatch(/^15 Jul 2026, 09:30 (IST|GMT\+1)$/);
});
