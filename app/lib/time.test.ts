import { describe, expect, it } from "vitest";
import { calendarDate, formatDateTime, formatInZone, formatTime, isoDay, isPastLocalTime, isTimeZone, utcToZonedLocal, zonedLocalToUtc } from "./time";

describe("race time zones", () => {
  it("converts a wall-clock time in summer and winter", () => {
    expect(zonedLocalToUtc("2026-06-14T09:30", "Europe/Dublin")?.toISOString()).toBe("2026-06-14T08:30:00.000Z");
    expect(zonedLocalToUtc("2026-01-10T09:30", "Europe/Dublin")?.toISOString()).toBe("2026-01-10T09:30:00.000Z");
    expect(zonedLocalToUtc("2026-03-01T07:00", "America/New_York")?.toISOString()).toBe("2026-03-01T12:00:00.000Z");
  });

  it("round-trips for the edit form", () => {
    const instant = zonedLocalToUtc("2026-10-25T10:15", "Australia/Sydney")!;
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

describe("zonedLocalToUtc", () => {
  it("reads a wall-clock time in the race's zone, winter and summer", () => {
    expect(zonedLocalToUtc("2026-01-15T09:00", "Europe/Dublin")?.toISOString()).toBe("2026-01-15T09:00:00.000Z");
    expect(zonedLocalToUtc("2026-07-15T09:00", "Europe/Dublin")?.toISOString()).toBe("2026-07-15T08:00:00.000Z");
    expect(zonedLocalToUtc("2026-07-15T09:00", "America/New_York")?.toISOString()).toBe("2026-07-15T13:00:00.000Z");
    expect(zonedLocalToUtc("2026-07-15T09:00", "Asia/Kolkata")?.toISOString()).toBe("2026-07-15T03:30:00.000Z");
  });

  it("moves a time skipped by the spring DST change forward", () => {
    expect(zonedLocalToUtc("2026-03-29T01:30", "Europe/Dublin")?.toISOString()).toBe("2026-03-29T01:30:00.000Z");
  });

  it.each(["", "2026-02-30T10:00", "2026-01-01 10:00", "2026-01-01T24:00", "tomorrow"])("refuses %j", (text) => {
    expect(zonedLocalToUtc(text, "Europe/Dublin")).toBeNull();
  });
});

describe("utcToZonedLocal", () => {
  it("is the inverse of zonedLocalToUtc", () => {
    for (const local of ["2026-01-15T09:00", "2026-07-15T23:45", "2026-10-25T00:30"]) {
      expect(utcToZonedLocal(zonedLocalToUtc(local, "Europe/Dublin")!, "Europe/Dublin")).toBe(local);
    }
  });
});

describe("formatDateTime", () => {
  it("shows the time in the race's zone", () => {
    expect(formatDateTime(new Date("2026-07-15T08:00:00Z"), "Europe/Dublin", "en-IE")).toBe("15 Jul 2026, 09:00");
  });
});

describe("race-local dates and times", () => {
  it("uses the race's time zone, not the server's", () => {
    const lateEvening = new Date("2026-07-01T23:30:00Z");
    expect(calendarDate(lateEvening, "Europe/Dublin")).toBe("2026-07-02");
    expect(formatTime(lateEvening, "Europe/Dublin")).toBe("00:30");
    expect(formatTime(lateEvening, "America/New_York")).toBe("19:30");
  });
  it("writes stored calendar dates as YYYY-MM-DD", () => {
    expect(isoDay(new Date(Date.UTC(1990, 3, 21)))).toBe("1990-04-21");
    expect(isoDay(null)).toBe("");
  });
});

describe("a race date in the past", () => {
  const now = new Date("2026-12-02T03:00:00Z");
  it("compares the wall-clock time in the race's zone with now", () => {
    expect(isPastLocalTime("2026-12-02T02:30", "Europe/Dublin", now)).toBe(true);
    expect(isPastLocalTime("2026-12-02T03:30", "Europe/Dublin", now)).toBe(false);
    // 22:30 in New York on 1 December is 03:30 UTC on the 2nd: still ahead.
    expect(isPastLocalTime("2026-12-01T22:30", "America/New_York", now)).toBe(false);
  });

  it("says nothing while the field is empty or unreadable", () => {
    expect(isPastLocalTime(undefined, "Europe/Dublin", now)).toBe(false);
    expect(isPastLocalTime("", "Europe/Dublin", now)).toBe(false);
    expect(isPastLocalTime("2020-01-01T10:00", "Not/AZone", now)).toBe(false);
  });
});
