/** One line of a scenario's closing table: what went in, what came out, what was lost and what was doubled. */
export type ReportRow = { what: string; eventsIn: number | string; effectsOut: number | string; lost: number; doubled: number; note?: string };

/** Prints a scenario's table (Markdown, so it can be pasted into the README) and returns it. */
export function printTable(title: string, rows: ReportRow[], facts: Record<string, string | number> = {}) {
  const header = ["what", "events in", "effects out", "lost", "doubled", "note"];
  const cells = rows.map((r) => [r.what, String(r.eventsIn), String(r.effectsOut), String(r.lost), String(r.doubled), r.note ?? ""]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i]!)).join(" | ")} |`;
  const text = [
    `\n### ${title}`,
    line(header),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...cells.map(line),
    ...Object.entries(facts).map(([key, value]) => `- ${key}: ${value}`),
    "",
  ].join("\n");
  console.log(text);
  return text;
}
