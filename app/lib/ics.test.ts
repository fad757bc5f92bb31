import { describe, expect, it } from "vitest";
import { icsCalendar, icsText, icsTime } from "./ics";

describe("ics", () => {
  it("escapes text and writes UTC times", () => {
    expect(icsText("Tea, cake; and\nmore \\ things")).toBe("Tea\\, cake\\; and\\nmore \\\\ things");
    expect(icsTime(new Date("2026-12-05T07:30:00.000Z"))).toBe("20261205T073000Z");
  });

  it("folds long lines at 75 octets with CRLF line ends", () => {
    const text = icsCalendar({ uid: "e1@startline", title: "Long run ".repeat(20), startsAt: new Date("2026-12-05T07:30:00Z"), stampedAt: new Date("2026-12-01T00:00:00Z"), place: "Pier", description: "", url: "http://x/clubs/1" });
    const lines = text.split("\r\n");
    expect(lines[0]).toBe("BEGIN:VCALENDAR");
    expect(lines.every((line) => new TextEncoder().encode(line).length <= 75)).toBe(true);
    expect(text).toContain("DTSTART:20261205T073000Z");
    expect(text.replace(/\r\n /g, "")).toContain(`SUMMARY:${"Long run ".repeat(20)}`);
  });
});
