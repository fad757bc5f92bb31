import { randomUUID } from "node:crypto";
import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { redis, redisKey } from "~/utils/redis.server";

/** Each open race-page stream re-stamps its entry this often. */
export const VIEWER_REFRESH_MS = 15_000;
/** An entry not re-stamped for this long belongs to a stream whose process died; it stops counting. */
export const VIEWER_STALE_MS = 40_000;

const viewersKey = (raceId: string) => redisKey("race", raceId, "viewers");

function announce(raceId: string) {
  return publish(channels.racePresence(raceId), { type: "viewers", at: new Date().toISOString() });
}

/** Drops entries of streams that stopped refreshing; tells every page when some were dropped. */
async function pruneStale(raceId: string, now: number) {
  const removed = await redis.zremrangebyscore(viewersKey(raceId), "-inf", `(${now - VIEWER_STALE_MS}`);
  if (removed > 0) await announce(raceId);
}

/** People looking at a race page now: one per open live stream, across every web process. */
export async function countRaceViewers(raceId: string, now = Date.now()) {
  return redis.zcount(viewersKey(raceId), now - VIEWER_STALE_MS, "+inf");
}

/**
 * Registers one open stream as a viewer of the race (a sorted-set member scored by its last refresh),
 * keeps it fresh while open, and returns the function that removes it. Join and leave are published so
 * every page re-reads the count at once.
 */
export async function watchRace(raceId: string) {
  const key = viewersKey(raceId);
  const member = randomUUID();
  const stamp = async () => {
    const now = Date.now();
    // The key outlives its last refresh briefly, so a race nobody looks at leaves nothing behind.
    await redis.multi().zadd(key, now, member).pexpire(key, VIEWER_STALE_MS * 2).exec();
    return now;
  };
  await pruneStale(raceId, await stamp());
  await announce(raceId);
  const refresh = setInterval(() => {
    stamp()
      .then((now) => pruneStale(raceId, now))
      .catch(() => {
        // Redis is away; the next refresh retries and the entry only goes stale after VIEWER_STALE_MS.
      });
  }, VIEWER_REFRESH_MS);
  refresh.unref();
  let left = false;
  return async () => {
    if (left) return;
    left = true;
    clearInterval(refresh);
    await redis.zrem(key, member);
    await announce(raceId);
  };
}
