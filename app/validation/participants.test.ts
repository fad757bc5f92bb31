import { describe, expect, it } from "vitest";
import { participantEditSchema, participantFilterFrom } from "./participants";

const valid = { firstName: "Ada", lastName: "Runner", email: "Ada@Example.com" };

describe("participantEditSchema", () => {
  it("accepts a minimal edit, lower-cases the email and turns blanks into null", () => {
    const result = participantEditSchema.parse({ ...valid, club: "  ", bib: "", dateOfBirth: "" });
    expect(result).toMatchObject({ email: "ada@example.com", club: null, bib: null, dateOfBirth: null });
  });

  it("parses a bib and a calendar date of birth", () => {
    const result = participantEditSchema.parse({ ...valid, bib: "0042", dateOfBirth: "1990-04-21" });
    expect(result.bib).toBe(42);
    expect(result.dateOfBirth?.toISOString()).toBe("1990-04-21T00:00:00.000Z");
  });

  it.each([
    ["bib", "12a", "whole number"],
    ["bib", "0", "whole number"],
    ["dateOfBirth", "1990-02-30", "Enter a date like"],
    ["dateOfBirth", "2999-01-01", "cannot be in the future"],
    ["emergencyPhone", "call me", "phone number"],
    ["email", "nope", "valid email"],
    ["firstName", " ", "Enter the first name"],
  ])("rejects %s = %j with a message that says what to do", (field, value, message) => {
    const result = participantEditSchema.safeParse({ ...valid, [field]: value });
    expect(result.success).toBe(false);
    expect(result.error?.flatten().fieldErrors[field as keyof typeof valid]?.join(" ")).toContain(message);
  });
});

describe("participantFilterFrom", () => {
  it("reads search and filters, ignoring unknown statuses", () => {
    expect(participantFilterFrom(new URLSearchParams("q=+pat+&status=checked_in&ticketTypeId=tt1"))).toEqual({ q: "pat", status: "checked_in", ticketTypeId: "tt1" });
    expect(participantFilterFrom(new URLSearchParams("status=bogus&q="))).toEqual({ q: undefined, status: undefined, ticketTypeId: undefined });
  });
});
