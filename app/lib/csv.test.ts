import { describe, expect, it } from "vitest";
import { csvField, csvRow } from "./csv";

describe("csvField", () => {
  it("leaves plain text, numbers and empty values as they are", () => {
    expect(csvField("Pat Runner")).toBe("Pat Runner");
    expect(csvField(42)).toBe("42");
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
    expect(csvField("")).toBe("");
  });

  it("quotes fields with commas, quotes and line breaks, doubling the quotes", () => {
    expect(csvField("Runner, Pat")).toBe('"Runner, Pat"');
    expect(csvField('Pat "Speedy" Runner')).toBe('"Pat ""Speedy"" Runner"');
    expect(csvField("line one\nline two")).toBe('"line one\nline two"');
    expect(csvField("carriage\rreturn")).toBe('"carriage\rreturn"');
  });

  it("neutralises text a spreadsheet would run as a formula", () => {
    expect(csvField("=HYPERLINK(\"http://evil.example\")")).toBe('"\'=HYPERLINK(""http://evil.example"")"');
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("+cmd|' /C calc'!A0")).toBe("'+cmd|' /C calc'!A0");
    expect(csvField("-2+3")).toBe("'-2+3");
  });

  it("keeps phone numbers and negative numbers readable", () => {
    expect(csvField("+353 1 234 5678")).toBe("+353 1 234 5678");
    expect(csvField("-5")).toBe("-5");
  });

  it("writes dates as ISO 8601 in UTC", () => {
    expect(csvField(new Date(Date.UTC(2026, 4, 3, 9, 30)))).toBe("2026-05-03T09:30:00.000Z");
  });
});

describe("csvRow", () => {
  it("joins fields with commas and ends with CRLF", () => {
    expect(csvRow(["a", 1, null, "b,c"])).toBe('a,1,,"b,c"\r\n');
  });
});
