import { randomBytes } from "node:crypto";
import { createMigratedDatabase, databaseUrl, dropDatabase } from "../support/database";
import { startWeb, startWorker, testEnv } from "../support/processes";

/**
 * Browser tests drive the built app as people use it: a fresh migrated database, the web process
 * and a separate worker process, on a free port. Tests read the address from E2E_BASE_URL.
 */
export default async function globalSetup() {
  const runId = randomBytes(3).toString("hex");
  const database = `startline_test_${runId}_e2e`;
  await createMigratedDatabase(database);
  const env = testEnv({ DATABASE_URL: databaseUrl(database), REDIS_PREFIX: `test-${runId}-e2e`, DEMO_MODE: "true" });
  const [web, worker] = await Promise.all([startWeb(env), startWorker(env)]);
  process.env.E2E_BASE_URL = web.url;
  // Specs may arrange data directly with the test factories (e.g. a race with ticket types).
  process.env.DATABASE_URL = databaseUrl(database);
  return async () => {
    await Promise.all([web.stop(), worker.stop()]);
    await dropDatabase(database);
  };
}
