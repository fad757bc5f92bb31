import { describe, expect, it } from "vitest";
import { guardianAgeSchema, waiverSchema } from "./waivers";

describe("waiverSchema", () => {
  it("normalises CRLF line breaks and surrounding space so the same content hashes the same", () => {
    const parsed = waiverSchema.parse({ title: "  Waiver ", text: "  Line one.\r\nLine two is here.\r\n" });
    expect(parsed).toEqual({ title: "Waiver", text: "Line one.\nLine two is here." });
  });

  it("requires a title and enough text", () => {
    const result = waiverSchema.safeParse({ title: " ", text: "short" });
    expect(result.success).toBe(false);
    expect(result.error?.flatten().fieldErrors).toEqual({ title: ["Give the waiver a title"], text: ["Write at least 20 characters"] });
  });
});

it("keeps the title on one line", () => {
  expect(waiverSchema.safeParse({ title: "Line\nbreak", text: "Long enough waiver text here." }).error?.flatten().fieldErrors).toEqual({
    title: ["Keep the title on one line"],
  });
});

describe("guardianAgeSchema", () => {
  it.each([
    [18, true],
    [0, true],
    [-1, false],
    [26, false],
    [17.5, false],
  ])("%s → %s", (age, ok) => {
    expect(guardianAgeSchema.safeParse({ guardianUnderAge: age }).success).toBe(ok);
  });
});
