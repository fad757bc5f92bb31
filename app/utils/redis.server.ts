import { Redis } from "ioredis";
import { getEnv } from "./env.server";
import { singleton } from "./singleton.server";

/**
 * A new ioredis connection. BullMQ workers and subscribers need their own connection
 * (blocking commands / subscriber mode) and `maxRetriesPerRequest: null`.
 */
export function createRedisConnection(purpose: string) {
  return new Redis(getEnv().REDIS_URL, {
    connectionName: `startline:${purpose}`,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
  });
}

/**
 * The shared command connection of this process (rate limits, publishing, health). It connects on its
 * first command, so importing a module that uses it opens nothing.
 */
export const redis = singleton("redis", () => {
  const connection = new Redis(getEnv().REDIS_URL, {
    connectionName: "startline:commands",
    maxRetriesPerRequest: 2,
    lazyConnect: true,
  });
  connection.on("error", () => {
    // ioredis reconnects by itself; /readyz reports the outage.
  });
  return connection;
});

/** Every Redis key and channel of this deployment starts with this prefix. */
export function redisKey(...parts: (string | number)[]) {
  return [getEnv().REDIS_PREFIX, ...parts].join(":");
}

/**
 * Closes a connection: politely (QUIT) when it is up, at once when it is not. QUIT needs a live connection: on one never
 * made, or lost and retrying (Redis unreachable), it would wait in the offline queue forever and hang the shutdown.
 */
export async function closeRedis(connection: Redis = redis) {
  if (connection.status !== "ready") connection.disconnect();
  else await connection.quit().catch(() => connection.disconnect());
}
