import { describe, expect, it } from "vitest";
import { ageOnRaceDay } from "./age";

const born = (date: string) => new Date(`${date}T00:00:00Z`);

describe("ageOnRaceDay", () => {
  it("counts whole years up to race day", () => {
    expect(ageOnRaceDay(born("2008-06-15"), new Date("2026-06-14T09:00:00Z"), "Europe/Dublin")).toBe(17);
    expect(ageOnRaceDay(born("2008-06-15"), new Date("2026-06-15T09:00:00Z"), "Europe/Dublin")).toBe(18);
  });

  it("takes race day in the race's time zone, not UTC", () => {
    // 23:30 UTC on 14 June is already 15 June in Auckland.
    expect(ageOnRaceDay(born("2008-06-15"), new Date("2026-06-14T23:30:00Z"), "Pacific/Auckland")).toBe(18);
    expect(ageOnRaceDay(born("2008-06-15"), new Date("2026-06-14T23:30:00Z"), "America/New_York")).toBe(17);
  });

  it("counts a birthday on race day itself, not one still to come", () => {
    const dob = born("2010-06-15");
    expect(ageOnRaceDay(dob, new Date("2026-06-15T08:00:00Z"), "Europe/Dublin")).toBe(16);
    expect(ageOnRaceDay(dob, new Date("2026-06-14T08:00:00Z"), "Europe/Dublin")).toBe(15);
    expect(ageOnRaceDay(dob, new Date("2026-01-20T08:00:00Z"), "Europe/Dublin")).toBe(15);
  });

  it("lets a 29 February birthday count from 1 March in other years", () => {
    expect(ageOnRaceDay(born("2008-02-29"), new Date("2026-02-28T10:00:00Z"), "Europe/Dublin")).toBe(17);
    expect(ageOnRaceDay(born("2008-02-29"), new Date("2026-03-01T10:00:00Z"), "Europe/Dublin")).toBe(18);
  });
});
