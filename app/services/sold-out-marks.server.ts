import { redis, redisKey } from "~/utils/redis.server";

/**
 * Sold-out marks in Redis (ADR 0027): once Postgres has said a ticket type is sold out, the crowd still
 * pressing "Register" is answered from Redis for SOLD_OUT_MARK_MS without touching Postgres. Any change to
 * the race's places (a release, a refund, a sale, a capacity edit announced the same way) removes the marks,
 * and they expire by themselves, so a place that frees up is offered again at once (or within the mark's life
 * for a change that is not announced).
 */
export const SOLD_OUT_MARK_MS = 1_000;
const soldOutKey = (raceId: string) => redisKey("race", raceId, "sold-out");

/** The refusal marked for one of these ticket types ("10K is sold out."), or null; Redis away means none. */
export async function soldOutMark(raceId: string, ticketTypeIds: string[]) {
  const marks = await redis.hmget(soldOutKey(raceId), ...ticketTypeIds).catch(() => [] as (string | null)[]);
  return marks.find((mark) => mark !== null) ?? null;
}

export async function markSoldOut(raceId: string, ticketTypeId: string, message: string) {
  await redis
    .multi()
    .hset(soldOutKey(raceId), ticketTypeId, message)
    .pexpire(soldOutKey(raceId), SOLD_OUT_MARK_MS)
    .exec()
    .catch(() => undefined);
}

/** Places of the race changed: sold-out marks no longer hold. */
export async function clearSoldOutMarks(raceId: string) {
  await redis.del(soldOutKey(raceId)).catch(() => undefined);
}
