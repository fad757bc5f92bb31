// `npm run demo`: install, migrate, seed, build, then run web + worker on http://localhost:3000 (listening on
// 127.0.0.1 unless HOST says otherwise). Safe to run again on the same database: migrations and the seed are
// idempotent, and the session secret generated into .env on the first run is reused.
import { spawn, spawnSync } from "node:child_process";
import { checkServices, DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, ensureDatabase, ensureDependencies, ensureSessionSecret, loadDotEnv, runQuietly, step } from "./lib.mjs";

loadDotEnv();
const secret = ensureSessionSecret();
if (secret === "generated") console.log("Wrote a new random SESSION_SECRET to .env (kept for the next runs).");
const env = {
  ...process.env,
  DATABASE_URL: process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
  REDIS_URL: process.env.REDIS_URL ?? DEFAULT_REDIS_URL,
  PORT: process.env.PORT ?? "3000",
  NODE_ENV: "production",
  DEMO_MODE: process.env.DEMO_MODE ?? "true",
  // Readable single lines in a terminal; JSON when the output goes to a file or a collector.
  LOG_FORMAT: process.env.LOG_FORMAT ?? (process.stdout.isTTY ? "pretty" : "json"),
};

ensureDependencies();
await checkServices(env.DATABASE_URL, env.REDIS_URL);
step("Database: creating it if needed and applying migrations");
await ensureDatabase(env.DATABASE_URL);
runQuietly("npx", ["prisma", "migrate", "deploy"], { env });
step("Building the app");
runQuietly("npx", ["remix", "vite:build"], { env });
// Seeded after the build, so the demo race's queue opens a few minutes after the app starts, not after a long build.
step("Demo data (races, registrations, rooms, a queue opening soon)");
const seeded = spawnSync("npx", ["tsx", "prisma/seed.ts"], { env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
if (seeded.status !== 0) {
  process.stdout.write(seeded.stdout ?? "");
  console.error(`✖ the demo seed failed (exit ${seeded.status ?? seeded.signal})`);
  process.exit(seeded.status || 1);
}

step(`Starting web and worker: open ${env.APP_URL ?? `http://localhost:${env.PORT}`}`);
const children = [
  spawn(process.execPath, ["--import", "tsx", "server/index.ts"], { env, stdio: "inherit" }),
  spawn(process.execPath, ["--import", "tsx", "worker/index.ts"], { env, stdio: "inherit" }),
];
let stopping = false;
function stopAll(signal = "SIGTERM") {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
}
for (const child of children) {
  child.on("exit", (code) => {
    if (!stopping) console.error(`A process stopped (exit ${code}); stopping the other.`);
    stopAll();
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(code ?? 0);
  });
}
process.on("SIGINT", () => stopAll("SIGTERM"));
process.on("SIGTERM", () => stopAll("SIGTERM"));

// The accounts, the code and the first URLs, once the app answers: after the start-up lines, not scrolled away.
const origin = `http://127.0.0.1:${env.PORT}`;
for (let tries = 0; tries < 120 && !stopping; tries++) {
  if (await fetch(`${origin}/healthz`).then((response) => response.ok, () => false)) break;
  await new Promise((resolve) => setTimeout(resolve, 500));
}
if (!stopping) console.log(`\n${seeded.stdout.trim()}\n`);
