import { describe, expect, it } from "vitest";
import { formatInZone, isTimeZone, utcToZonedLocal, zonedLocalToUtc } from "./time";

describe("race time zones", () => {
  it("converts a wall-clock time in summer and winter", () => {
    expect(zonedLocalToUtc("2026-06-14T09:30", "Europe/Dublin").toISOString()).toBe("2026-06-14T08:30:00.000Z");
    expect(zonedLocalToUtc("2026-01-10T09:30", "Europe/Dublin").toISOString()).toBe("2026-01-10T09:30:00.000Z");
    expect(zonedLocalToUtc("2026-03-01T07:00", "America/New_York").toISOString()).toBe("2026-03-01T12:00:00.000Z");
  });

  it("round-trips for the edit form", () => {
    const instant = zonedLocalToUtc("2026-10-25T10:15", "Australia/Sydney");
    expect(utcToZonedLocal(instant, "Australia/Sydney")).toBe("2026-10-25T10:15");
  });

  it("recognises IANA zones", () => {
    expect(isTimeZone("Europe/Dublin")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
  });

  it("formats in the race's zone", () => {
    expect(formatInZone("2026-06-14T08:30:00.000Z", "Europe/Dublin")).toContain("09:30");
  });
});
