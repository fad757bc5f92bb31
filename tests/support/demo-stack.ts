import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { createMigratedDatabase, databaseUrl, dropDatabase } from "./database";
import { ensureRandomSessionSecret, startStack, testEnv, type Stack } from "./processes";

const run = promisify(execFile);

/** What `npm run demo` prints after seeding, as a newcomer reads it. */
export type DemoOutput = { text: string; discountCode: string };

export function readDemoOutput(text: string): DemoOutput {
  const discountCode = /^Discount code: (\S+)/m.exec(text)?.[1];
  if (!discountCode) throw new Error(`the demo output names no discount code:\n${text}`);
  return { text, discountCode };
}

/** Runs the demo seed (`prisma/seed.ts`, as `npm run demo` does) against the environment's database and Redis prefix. */
export async function runDemoSeed(env: NodeJS.ProcessEnv) {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "prisma/seed.ts"], { env, timeout: 120_000 });
  return readDemoOutput(stdout);
}

export type DemoStack = { stack: Stack; url: string; demo: DemoOutput; stop: () => Promise<void> };

/**
 * The demo as a newcomer gets it, in a database of its own: freshly migrated, seeded by the demo seed, then web and
 * worker in demo mode (payments through the demo payment page, emails to the outbox). Nothing else shares it, so
 * the seed's data meets no test's data and no test meets the seed's.
 */
export async function startDemoStack(name: string): Promise<DemoStack> {
  ensureRandomSessionSecret();
  const id = `${name}_${randomBytes(3).toString("hex")}`.replace(/[^a-z0-9_]/gi, "_").toLowerCase();
  const database = `startline_test_${id}_demo`;
  await createMigratedDatabase(database);
  const env = { DATABASE_URL: databaseUrl(database), REDIS_PREFIX: `test-${id}-demo`, DEMO_MODE: "true" };
  try {
    const demo = await runDemoSeed(testEnv(env));
    const stack = await startStack({ worker: true, env });
    return {
      stack,
      url: stack.web!.url,
      demo,
      stop: async () => {
        await stack.stop();
        await dropDatabase(database);
      },
    };
  } catch (error) {
    await dropDatabase(database);
    throw error;
  }
}
