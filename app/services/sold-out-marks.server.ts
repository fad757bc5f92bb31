import { redis, redisKey } from "~/utils/redis.server";

/**
 * Sold-out marks in Redis (ADR 0027, made exact by ADR 0045): once Postgres has said a ticket type is sold out,
 * the crowd still pressing "Register" is answered from Redis without touching Postgres. Every change to the
 * race's places is announced with `announceSale` (holds, releases, fulfilment, refunds, cancellations, ticket
 * type edits), which bumps the race's places version and removes the marks, so a place that frees up is
 * offered again at once. A mark is written only if the version is still the one read before Postgres was asked:
 * a release announced in between (whose freed place that read may not have seen) keeps the stale answer out.
 * The marks also expire after SOLD_OUT_MARK_MS in case an announcement is lost (Redis away at that moment).
 */
export const SOLD_OUT_MARK_MS = 10_000;
const soldOutKey = (raceId: string) => redisKey("race", raceId, "sold-out");
const versionKey = (raceId: string) => redisKey("race", raceId, "places-version");

/** What Redis knows before Postgres is asked: a refusal marked for one of the types, and the places version. */
export type SoldOutView = { refusal: string | null; version: string };

// One command (not MULTI with HMGET and GET: four commands and replies) because a rush asks this of every buyer,
// some twice (ADR 0065): the marks of the types asked for, and the places version ("0" before the first change).
const READ_MARKS = `return {redis.call('HMGET', KEYS[1], unpack(ARGV)), redis.call('GET', KEYS[2]) or '0'}`;

/** The refusal marked for one of these ticket types ("10K is sold out."), or null; Redis away means none. */
export async function soldOutMarks(raceId: string, ticketTypeIds: string[]): Promise<SoldOutView> {
  const reply = (await redis.eval(READ_MARKS, 2, soldOutKey(raceId), versionKey(raceId), ...ticketTypeIds).catch(() => null)) as [(string | null)[], string] | null;
  if (!reply) return { refusal: null, version: "unknown" };
  const [marks, version] = reply;
  return { refusal: marks.find((mark) => typeof mark === "string") ?? null, version };
}

const MARK_IF_UNCHANGED = `
if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

/** Marks a type sold out, unless the race's places changed since `seen` was read (then the next request asks Postgres). */
export async function markSoldOut(raceId: string, ticketTypeId: string, message: string, seen: SoldOutView) {
  if (seen.version === "unknown") return;
  await redis.eval(MARK_IF_UNCHANGED, 2, soldOutKey(raceId), versionKey(raceId), seen.version, ticketTypeId, message, SOLD_OUT_MARK_MS).catch(() => undefined);
}

/** Places of the race changed: sold-out marks no longer hold, and marks decided before now are not written. */
export async function clearSoldOutMarks(raceId: string) {
  await redis
    .multi()
    .incr(versionKey(raceId))
    .pexpire(versionKey(raceId), 24 * 3_600_000)
    .del(soldOutKey(raceId))
    .exec()
    .catch(() => undefined);
}
