// `npm run db:seed` (and `npm run demo`): the living demo. Safe to run again: see prisma/seed/index.ts.
// Like the web and worker entries: .env fills in what the environment does not set (the session secret too).
try {
  process.loadEnvFile();
} catch {
  // No .env file: the environment applies.
}
const { db } = await import("~/utils/db.server");
const { getEnv } = await import("~/utils/env.server");
const { closeQueues } = await import("~/jobs/queues.server");
const { closeRedis } = await import("~/utils/redis.server");
const { seedDemo } = await import("./seed/index");
const { demoOutput } = await import("./seed/output");

const started = Date.now();
try {
  const summary = await seedDemo({ demoMode: getEnv().DEMO_MODE });
  console.log(demoOutput(summary, getEnv().appOrigin));
  console.log(`\n(seeded in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
} finally {
  await Promise.allSettled([db.$disconnect(), closeQueues(), closeRedis()]);
}
export {};
