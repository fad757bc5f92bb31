import { Redis } from "ioredis";

/**
 * The one teardown of what a test file's own process opened: the app's queues (and their connection), live-feed
 * subscriber, Prisma client and command connection (as far as the file loaded them), the Redis connections a test
 * asked for with `redisForTest()`, and every Redis key under the file's prefix (queues, rate limits, presence), so
 * no file leaves anything behind. Registered for every integration file by `worker-setup.ts`, after the file's own
 * afterAll hooks (which stop its processes). Nothing here may import app code statically: the setup file loads
 * this before it has set the file's environment, and app modules read it when they load.
 */
export async function closeAppClients() {
  const singletons = (globalThis as { __startlineSingletons?: Map<string, unknown> }).__startlineSingletons ?? new Map<string, unknown>();
  if (singletons.has("bullmq-queues")) await (await import("~/jobs/queues.server")).closeQueues();
  if (singletons.has("subscription-hub")) await (await import("~/realtime/pubsub.server")).subscriptions.close();
  if (singletons.has("prisma")) await (await import("~/utils/db.server")).db.$disconnect();
  if (singletons.has("redis")) {
    const { closeRedis, redis } = await import("~/utils/redis.server");
    await closeRedis(redis);
  }
  await Promise.all(opened.splice(0).map((connection) => connection.quit().catch(() => connection.disconnect())));
  await removeKeys(process.env.REDIS_PREFIX);
}

const opened: Redis[] = [];

/** A Redis connection of the test's own (to inspect or listen), closed by the shared teardown. */
export function redisForTest() {
  const connection = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  opened.push(connection);
  return connection;
}

/** Deletes the keys of this prefix and of prefixes made from it (`<prefix>-demo`). */
async function removeKeys(prefix: string | undefined) {
  if (!prefix) return;
  const connection = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await connection.connect();
    for (const pattern of [`${prefix}:*`, `${prefix}-*`]) {
      let cursor = "0";
      do {
        const [next, keys] = await connection.scan(cursor, "MATCH", pattern, "COUNT", 1000);
        if (keys.length) await connection.unlink(...keys);
        cursor = next;
      } while (cursor !== "0");
    }
  } finally {
    connection.disconnect();
  }
}
