import { DomainError } from "~/lib/errors";
import { redis, redisKey } from "~/utils/redis.server";

export type RateLimitState = { blocked: boolean; retryAfterSeconds: number };
export type RateLimit = { limit: number; windowSeconds: number };

/** A request refused by a rate limit; routes answer 429 with `Retry-After`. */
export class RateLimitError extends DomainError {
  constructor(message: string, retryAfterSeconds: number) {
    super("rate_limited", message, { retryAfterSeconds });
    this.name = "RateLimitError";
  }
}

/**
 * Fixed-window counter in Redis, shared by every web process. One MULTI creates the window with its
 * expiry (if it is new) and counts this attempt, so a key never outlives its window.
 */
async function count(bucket: string, windowSeconds: number) {
  const key = redisKey("ratelimit", bucket);
  const [, [, value], [, ttl]] = (await redis.multi().set(key, 0, "EX", windowSeconds, "NX").incr(key).ttl(key).exec()) as [
    unknown,
    [null, number],
    [null, number],
  ];
  return { value, ttl };
}

export async function hit(bucket: string, windowSeconds: number) {
  return (await count(bucket, windowSeconds)).value;
}

/**
 * Counts this attempt first (INCR), then compares: parallel attempts each get their own number, so no
 * more than `limit` of them pass in a window, however many arrive at once.
 */
async function consume(bucket: string, { limit, windowSeconds }: RateLimit): Promise<RateLimitState> {
  const { value, ttl } = await count(bucket, windowSeconds);
  const blocked = value > limit;
  return { blocked, retryAfterSeconds: blocked ? Math.max(ttl, 1) : 0 };
}

function waitText(seconds: number) {
  if (seconds < 60) return seconds === 1 ? "1 second" : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

/** Counts the attempt and throws a RateLimitError, worded by `explain(wait)`, once it is over the limit. */
export async function enforce(bucket: string, limit: RateLimit, explain: (wait: string) => string) {
  const state = await consume(bucket, limit);
  if (state.blocked) throw new RateLimitError(explain(waitText(state.retryAfterSeconds)), state.retryAfterSeconds);
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
