// `npm test`: the whole suite from a fresh clone. Installs what it needs, then typecheck, lint,
// unit, build, integration (real PostgreSQL and Redis, a database per test worker), the resilience
// scenarios that fit CI's time and browser tests.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { checkServices, DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, ensureChromium, ensureDependencies, loadDotEnv, run, step } from "./lib.mjs";

const started = Date.now();
loadDotEnv();
const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
const redisUrl = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;

ensureDependencies();
const chromium = ensureChromium();
await checkServices(databaseUrl, redisUrl);

const reports = "tests/.tmp";
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });
const timings = [];
function timed(title, command, args, env = {}) {
  step(title);
  const t0 = Date.now();
  run(command, args, { env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, ...env } });
  timings.push([title, ((Date.now() - t0) / 1000).toFixed(1)]);
}

timed("Prisma client", "npx", ["prisma", "generate"]);
timed("Typecheck", "npx", ["tsc", "--noEmit"]);
timed("Lint", "npx", ["eslint", ".", "--max-warnings=0"]);
timed("Unit tests", "npx", ["vitest", "run", "--project", "unit", "--reporter=default", "--reporter=json", `--outputFile.json=${reports}/unit.json`]);
timed("Build", "npx", ["remix", "vite:build"]);
timed("Integration tests", "npx", [
  "vitest", "run", "--project", "integration", "--reporter=default", "--reporter=json", `--outputFile.json=${reports}/integration.json`,
]);
// The whole resilience suite takes longer than CI should spend on it (README: Resilience suite): CI runs the
// scenarios that guard payments and live pages; `npm run test:resilience` runs all six.
const CI_RESILIENCE = ["1-worker-killed", "2-redis-restarted", "5-shuffled-duplicates"].map((name) => `tests/resilience/${name}.test.ts`);
if (spawnSync("redis-server", ["--version"], { stdio: "ignore" }).error) {
  console.error("\n✖ The resilience scenarios start redis-servers of their own: install Redis's server binary (Debian: `apt-get install redis-server`).");
  process.exit(1);
}
timed("Resilience tests", "npx", [
  "vitest", "run", "--project", "resilience", "--no-file-parallelism", "--reporter=default", "--reporter=json", `--outputFile.json=${reports}/resilience.json`, ...CI_RESILIENCE,
]);
timed("Browser tests", "npx", ["playwright", "test", "--reporter=list,json"], {
  CHROMIUM_PATH: chromium,
  PLAYWRIGHT_JSON_OUTPUT_NAME: `${reports}/e2e.json`,
});

function counts(file, pick) {
  if (!existsSync(file)) return { passed: 0, failed: 0, skipped: 0 };
  return pick(JSON.parse(readFileSync(file, "utf8")));
}
const vitestCounts = (r) => ({ passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests });
const playwrightCounts = (r) => ({ passed: r.stats.expected, failed: r.stats.unexpected + r.stats.flaky, skipped: r.stats.skipped });
const layers = [
  ["unit", counts(`${reports}/unit.json`, vitestCounts)],
  ["integration", counts(`${reports}/integration.json`, vitestCounts)],
  ["resilience", counts(`${reports}/resilience.json`, vitestCounts)],
  ["browser", counts(`${reports}/e2e.json`, playwrightCounts)],
];

console.log("\nSummary");
for (const [title, seconds] of timings) console.log(`  ${title.padEnd(18)} ${seconds.padStart(6)} s`);
for (const [name, c] of layers) console.log(`  ${name.padEnd(18)} ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
const total = layers.reduce((sum, [, c]) => ({ passed: sum.passed + c.passed, failed: sum.failed + c.failed }), { passed: 0, failed: 0 });
console.log(`  whole suite in ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`${total.passed} passed, ${total.failed} failed`);
process.exit(total.failed > 0 ? 1 : 0);
