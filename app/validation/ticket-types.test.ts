import { describe, expect, it } from "vitest";
import { priceTierSchema, ticketTypeSchema } from "./ticket-types";

const dublinEuro = { currency: "EUR", timeZone: "Europe/Dublin" };

describe("ticketTypeSchema", () => {
  it("turns the form into minor units and UTC instants", () => {
    const parsed = ticketTypeSchema(dublinEuro).parse({
      name: " 10K ",
      price: "30.50",
      capacity: 500,
      salesStartAt: "2026-06-01T09:00",
      salesEndAt: "2026-07-01T18:00",
      bibRangeStart: 1,
      bibRangeEnd: 500,
    });
    expect(parsed).toEqual({
      name: "10K",
      description: "",
      priceMinor: 3050,
      capacity: 500,
      salesStartAt: new Date("2026-06-01T08:00:00Z"),
      salesEndAt: new Date("2026-07-01T17:00:00Z"),
      minAge: null,
      maxPerOrder: 10,
      bibRangeStart: 1,
      bibRangeEnd: 500,
      sortOrder: 0,
    });
  });

  it("explains every problem next to its field, all at once", () => {
    const result = ticketTypeSchema(dublinEuro).safeParse({
      name: "",
      price: "30.001",
      capacity: 0,
      salesStartAt: "2026-07-01T09:00",
      salesEndAt: "2026-06-01T09:00",
      bibRangeStart: 100,
    });
    expect(result.success).toBe(false);
    expect(result.error?.flatten().fieldErrors).toEqual({
      name: ["Enter a name, like 10K or Half marathon"],
      price: ["Enter an amount in EUR, like 30.00"],
      capacity: ["The capacity must be at least 1"],
      salesEndAt: ["Sales must end after they start"],
      bibRangeEnd: ["Give both the first and the last bib number, or neither"],
    });
  });

  it("checks the sales window and the bib range once the fields themselves are valid", () => {
    const base = { name: "5K", price: "20", capacity: 10 };
    const window = ticketTypeSchema(dublinEuro).safeParse({ ...base, salesStartAt: "2026-07-01T09:00", salesEndAt: "2026-06-01T09:00" });
    expect(window.error?.flatten().fieldErrors).toEqual({ salesEndAt: ["Sales must end after they start"] });
    const half = ticketTypeSchema(dublinEuro).safeParse({ ...base, bibRangeStart: 100 });
    expect(half.error?.flatten().fieldErrors).toEqual({ bibRangeEnd: ["Give both the first and the last bib number, or neither"] });
    const reversed = ticketTypeSchema(dublinEuro).safeParse({ ...base, bibRangeStart: 100, bibRangeEnd: 99 });
    expect(reversed.error?.flatten().fieldErrors).toEqual({ bibRangeEnd: ["The last bib number must not be below the first"] });
  });

  it("reads prices in currencies without minor units", () => {
    const yen = ticketTypeSchema({ currency: "JPY", timeZone: "Asia/Tokyo" });
    expect(yen.parse({ name: "10K", price: "3000", capacity: 1 }).priceMinor).toBe(3000);
    expect(yen.safeParse({ name: "10K", price: "30.00", capacity: 1 }).error?.flatten().fieldErrors.price).toEqual([
      "Enter an amount in JPY, like 3000",
    ]);
  });
});

describe("priceTierSchema", () => {
  it("parses a tier in the race's zone", () => {
    expect(priceTierSchema(dublinEuro).parse({ label: "Early bird", price: "25", endsAt: "2026-03-01T00:00" })).toEqual({
      label: "Early bird",
      priceMinor: 2500,
      endsAt: new Date("2026-03-01T00:00:00Z"),
    });
  });

  it("needs every field", () => {
    expect(priceTierSchema(dublinEuro).safeParse({}).error?.flatten().fieldErrors).toEqual({
      label: ["Enter a label, like Early bird"],
      price: ["Enter the tier's price"],
      endsAt: ["Enter when this price ends"],
    });
  });
});
