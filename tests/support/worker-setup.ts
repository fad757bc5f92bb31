import { afterAll, inject } from "vitest";
import { closeAppClients } from "./app-clients";
import { cloneDatabase, databaseUrl } from "./database";
import { ensureRandomSessionSecret } from "./processes";

/**
 * Runs before each test file: the file's worker gets its own database (cloned from the run's
 * template once per worker) and its own Redis key prefix, set before any app module reads the env.
 */
const { runId, template } = inject("testRun");
const poolId = process.env.VITEST_POOL_ID ?? "0";
const name = `startline_test_${runId}_w${poolId}`;
const state = globalThis as { __testDatabaseReady?: string };

if (state.__testDatabaseReady !== name) {
  await cloneDatabase(template, name);
  state.__testDatabaseReady = name;
}

process.env.DATABASE_URL = databaseUrl(name);
// Per file, so rate-limit counters and queues never carry over from another file.
process.env.REDIS_PREFIX = `test-${runId}-w${poolId}-${Math.random().toString(36).slice(2, 8)}`;
process.env.DEMO_MODE = "true";
ensureRandomSessionSecret();
process.env.LOG_LEVEL ??= "warn";
delete process.env.SMTP_URL;

// The one teardown of every file, after its own afterAll hooks (which stop its processes): see app-clients.ts.
afterAll(closeAppClients);
