// Shared steps of `npm run demo` and `npm test`. Node built-ins only until dependencies exist.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";

export const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/startline";
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** Variables from `.env` fill in what the environment does not already set. */
export function loadDotEnv() {
  if (existsSync(".env")) process.loadEnvFile(".env");
}

export function step(title) {
  console.log(`\n▶ ${title}`);
}

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", ...options });
  if (result.status !== 0) {
    console.error(`✖ ${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

/**
 * Installs dependencies when package-lock.json changed since the last install. `npm ci` is tried
 * first; it can fail on this registry for platform-specific optional packages missing from the
 * lock file, in which case `npm install` resolves them (see docs/decisions/0006).
 */
export function ensureDependencies() {
  const lockHash = createHash("sha256").update(readFileSync("package-lock.json")).digest("hex");
  const marker = "node_modules/.startline-install";
  if (existsSync(marker) && readFileSync(marker, "utf8") === lockHash) return;
  step("Installing dependencies");
  const ci = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { stdio: "inherit" });
  if (ci.status !== 0) {
    console.log("npm ci failed; falling back to npm install");
    run("npm", ["install", "--no-audit", "--no-fund", "--no-save"]);
  }
  run("npx", ["prisma", "generate"]);
  writeFileSync(marker, lockHash);
}

function reachable(url, defaultPort) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ""), port: Number(port || defaultPort), timeout: 3000 });
    socket.once("connect", () => (socket.end(), resolve(true)));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(false));
  });
}

/** Stops with instructions when PostgreSQL or Redis cannot be reached. */
export async function checkServices(databaseUrl, redisUrl) {
  const problems = [];
  if (!(await reachable(databaseUrl, 5432))) {
    problems.push(
      `PostgreSQL is not reachable at ${new URL(databaseUrl).host} (DATABASE_URL).\n` +
        "  Start it: `docker compose up -d postgres`, or on Debian/Ubuntu\n" +
        "  `sudo pg_ctlcluster $(ls /etc/postgresql) main start`, or set DATABASE_URL in .env.",
    );
  }
  if (!(await reachable(redisUrl, 6379))) {
    problems.push(
      `Redis is not reachable at ${new URL(redisUrl).host} (REDIS_URL).\n` +
        "  Start it: `docker compose up -d redis`, or `redis-server --daemonize yes`, or set REDIS_URL in .env.",
    );
  }
  if (problems.length) {
    console.error(`\n✖ ${problems.join("\n✖ ")}`);
    process.exit(1);
  }
}

/** Creates the database named in the URL when it does not exist yet. */
export async function ensureDatabase(databaseUrl) {
  const { default: pg } = await import("pg");
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const admin = new URL(databaseUrl);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      console.log(`Created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

/** Debian's Chromium for the browser tests; Playwright's own download cannot work offline. */
export function ensureChromium() {
  const path = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (existsSync(path)) return path;
  if (process.getuid?.() !== 0) {
    console.error(`✖ Chromium is missing at ${path}. Install it (sudo apt-get install -y chromium) or set CHROMIUM_PATH.`);
    process.exit(1);
  }
  step("Installing Chromium from Debian's packages");
  run("apt-get", ["update"]);
  run("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  return path;
}

export function gitDescribe() {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}
