import { describe, expect, it } from "vitest";
import { ageOn, calendarDate, formatTime, isoDay } from "./dates";

describe("ageOn", () => {
  const dob = new Date(Date.UTC(2010, 5, 15));
  it("counts a birthday on the day itself", () => {
    expect(ageOn(dob, "2026-06-15")).toBe(16);
  });
  it("does not count a birthday still to come", () => {
    expect(ageOn(dob, "2026-06-14")).toBe(15);
    expect(ageOn(dob, "2026-01-20")).toBe(15);
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
