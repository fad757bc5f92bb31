import { redis, redisKey } from "~/utils/redis.server";

/**
 * Sold-out marks in Redis (ADR 0027): once Postgres has said a ticket type is sold out, the crowd still
 * pressing "Register" is answered from Redis without touching Postgres. Every change to the race's places
 * is announced with `announceSale` (holds, releases, fulfilment, refunds, cancellations, ticket type edits),
 * which removes the marks, so a place that frees up is offered again at once; the marks also expire after
 * SOLD_OUT_MARK_MS in case an announcement is lost (Redis away at that moment).
 */
export const SOLD_OUT_MARK_MS = 10_000;
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
