import { redis, redisKey } from "~/utils/redis.server";

export type RateLimitState = { blocked: boolean; retryAfterSeconds: number };

/** Fixed-window counter in Redis: shared by every web process. */
export async function hit(bucket: string, windowSeconds: number) {
  const key = redisKey("ratelimit", bucket);
  const [[, count], [, ttl]] = (await redis
    .multi()
    .incr(key)
    .ttl(key)
    .exec()) as [[null, number], [null, number]];
  if (ttl < 0) await redis.expire(key, windowSeconds);
  return count;
}

export async function check(bucket: string, limit: number): Promise<RateLimitState> {
  const key = redisKey("ratelimit", bucket);
  const [[, count], [, ttl]] = (await redis.multi().get(key).ttl(key).exec()) as [
    [null, string | null],
    [null, number],
  ];
  const blocked = Number(count ?? 0) >= limit;
  return { blocked, retryAfterSeconds: blocked ? Math.max(ttl, 1) : 0 };
}

export async function reset(bucket: string) {
  await redis.del(redisKey("ratelimit", bucket));
}

/**
 * Takes one back from a counter that `hit` counted (e.g. an attempt that turned out to be legitimate), so a
 * limit can count only failures while still counting every attempt before it runs. A counter whose window
 * already ended is left alone, never recreated below zero.
 */
export async function forgive(bucket: string) {
  await redis.eval("if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0", 1, redisKey("ratelimit", bucket));
}
