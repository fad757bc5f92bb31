// `npm run bench [-- name ...]`: runs the benchmarks (each with its bare reference in the same run) and
// prints one table: measure, Startline, reference, ratio, goal, pass/fail. Needs `npm run build` first.
import { spawn } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { createInterface } from "node:readline";
import type { ReportRow } from "./support";

const BENCHMARKS: Record<string, string> = {
  sse: "bench/sse.ts",
  reservations: "bench/reservations.ts",
  queue: "bench/queue.ts",
  webhooks: "bench/webhooks.ts",
  pages: "bench/pages.ts",
};

const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in BENCHMARKS));
if (unknown.length) {
  console.error(`Unknown benchmark: ${unknown.join(", ")}. Choose from: ${Object.keys(BENCHMARKS).join(", ")}.`);
  process.exit(2);
}

const rows: ReportRow[] = [];
let failures = 0;
for (const name of chosen.length ? chosen : Object.keys(BENCHMARKS)) {
  console.error(`\n== ${name}`);
  // The open-files limit raised to the hard limit (20,000 here) for the benchmark and every process it starts:
  // 10,000 streams need 10,000 sockets on each side.
  const child = spawn("sh", ["-c", `ulimit -n "$(ulimit -Hn)"; exec "${process.execPath}" --import tsx ${BENCHMARKS[name]!}`], { stdio: ["ignore", "pipe", "inherit"] });
  createInterface({ input: child.stdout! }).on("line", (line) => {
    if (line.startsWith("BENCH_ROW ")) rows.push(JSON.parse(line.slice("BENCH_ROW ".length)) as ReportRow);
    else console.error(line);
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) {
    failures += 1;
    console.error(`${name} exited with ${code}`);
  }
}

const number = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));
function verdict(row: ReportRow) {
  const ratio = row.reference ? row.ours / row.reference : Infinity;
  if (row.maxRatio !== undefined) return { goal: `≤ ${row.maxRatio}× reference`, pass: ratio <= row.maxRatio };
  if (row.minRatio !== undefined) return { goal: `≥ ${row.minRatio * 100}% of reference`, pass: ratio >= row.minRatio };
  return { goal: row.goal ?? "–", pass: row.pass };
}
console.log(`\nStartline benchmarks, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`);
console.log("| measure | Startline | reference | ratio | goal | result | note |");
console.log("|---|---|---|---|---|---|---|");
for (const row of rows) {
  const { goal, pass } = verdict(row);
  const ratio = row.reference ? `${number(row.ours / row.reference)}×` : "–";
  const result = pass === undefined ? "–" : pass ? "pass" : "**fail**";
  if (pass === false) failures += 1;
  console.log(`| ${row.measure} | ${number(row.ours)} | ${number(row.reference)} | ${ratio} | ${goal} | ${result} | ${row.note ?? ""} |`);
}
process.exit(failures ? 1 : 0);
