import { randomBytes } from "node:crypto";
import { createMigratedDatabase, databaseUrl, dropDatabase } from "../support/database";
import { ensureRandomSessionSecret, startStack } from "../support/processes";

/**
 * Browser tests drive the built app as people use it: a fresh migrated database, the web process
 * and a separate worker process, on a free port. Tests read the address from E2E_BASE_URL. AI jobs go to
 * the local OpenAI double, streaming slowly enough for a person (and a test) to watch the text grow.
 */
export default async function globalSetup() {
  const runId = randomBytes(3).toString("hex");
  const database = `startline_test_${runId}_e2e`;
  await createMigratedDatabase(database);
  // Before testEnv reads it; specs run app code (factories) with the same secret.
  ensureRandomSessionSecret();
  const stack = await startStack({
    worker: true,
    openai: { chunkDelayMs: 150 },
    // Per-address limits are lifted by testEnv for every process a spec starts (they all share this prefix).
    env: { DATABASE_URL: databaseUrl(database), REDIS_PREFIX: `test-${runId}-e2e`, DEMO_MODE: "true" },
  });
  process.env.E2E_BASE_URL = stack.web!.url;
  // Specs may arrange data directly with the test factories (e.g. a race with ticket types).
  process.env.DATABASE_URL = databaseUrl(database);
  process.env.REDIS_PREFIX = stack.env.REDIS_PREFIX;
  return async () => {
    await stack.stop();
    await dropDatabase(database);
  };
}
