import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { throttle } from "~/lib/throttle";
import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { createLogger } from "~/utils/logger.server";
import { redis, redisKey } from "~/utils/redis.server";

/**
 * "People looking at this race now", counted without a Redis write or a message per viewer (ADR 0026).
 * Each web process counts its own open race-page feeds in memory and writes one number per race into a
 * hash (`race:<id>:viewers`, field = process, value = "count:stamp"): when it changes, at most once per
 * VIEWERS_PUSH_MS, and every VIEWERS_REFRESH_MS anyway. A total is the sum of the fresh fields; a field
 * not refreshed for VIEWERS_STALE_MS belongs to a process that died and is dropped.
 */
export const VIEWERS_PUSH_MS = 1_000;
export const VIEWERS_REFRESH_MS = 5_000;
export const VIEWERS_STALE_MS = 15_000;

const log = createLogger({ service: "race-presence" });
const processField = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
const viewersKey = (raceId: string) => redisKey("race", raceId, "viewers");

type LocalCount = { count: number; written: number | null; writtenAt: number; push: ReturnType<typeof throttle> };
const local = new Map<string, LocalCount>();
let refresher: ReturnType<typeof setInterval> | undefined;

/** Writes this process's count for the race and, when the number changed, tells every process once. */
async function writeCount(raceId: string) {
  const entry = local.get(raceId);
  if (!entry) return;
  const { count } = entry;
  const now = Date.now();
  const key = viewersKey(raceId);
  if (count === 0) await redis.hdel(key, processField);
  else await redis.multi().hset(key, processField, `${count}:${now}`).pexpire(key, VIEWERS_STALE_MS * 2).exec();
  const changed = entry.written !== count;
  entry.written = count;
  entry.writtenAt = now;
  if (count === 0 && local.get(raceId) === entry && entry.count === 0) local.delete(raceId);
  if (changed) await publish(channels.racePresence(raceId), { type: "viewers", at: new Date(now).toISOString() });
}

function startRefreshing() {
  refresher ??= setInterval(() => {
    const due = Date.now() - VIEWERS_REFRESH_MS;
    for (const entry of local.values()) if (entry.writtenAt <= due) entry.push.request();
    if (local.size === 0) {
      clearInterval(refresher);
      refresher = undefined;
    }
  }, VIEWERS_REFRESH_MS);
  refresher.unref();
}

function changeLocalCount(raceId: string, by: number) {
  let entry = local.get(raceId);
  if (!entry) {
    const push = throttle(
      () => writeCount(raceId).catch((error: unknown) => log.warn("viewer count not written", { raceId, error })),
      VIEWERS_PUSH_MS,
    );
    entry = { count: 0, written: null, writtenAt: 0, push };
    local.set(raceId, entry);
  }
  entry.count = Math.max(0, entry.count + by);
  entry.push.request();
  startRefreshing();
}

/**
 * Counts one open race-page feed of this process as a viewer until the returned function is called.
 * Joins and leaves cost nothing in Redis by themselves: the process writes its count at a steady cadence.
 */
export function watchRace(raceId: string) {
  changeLocalCount(raceId, 1);
  let left = false;
  return () => {
    if (left) return;
    left = true;
    changeLocalCount(raceId, -1);
  };
}

/** This process's own count of open feeds for a race (what it last counted, written or not). */
export function localRaceViewers(raceId: string) {
  return local.get(raceId)?.count ?? 0;
}

/** People looking at a race page now, across every web process: the sum of the fresh per-process counts. */
export async function countRaceViewers(raceId: string, now = Date.now()) {
  const key = viewersKey(raceId);
  const fields = await redis.hgetall(key);
  let total = 0;
  const stale: string[] = [];
  for (const [field, value] of Object.entries(fields)) {
    const [count, stamp] = value.split(":").map(Number) as [number, number];
    if (!(stamp >= now - VIEWERS_STALE_MS)) stale.push(field);
    else total += count;
  }
  if (stale.length) await redis.hdel(key, ...stale);
  return total;
}

/**
 * Writes every count of this process again and announces it, e.g. after Redis came back from an outage: it may
 * have restarted empty, and a count that did not change since would otherwise only reappear at the next refresh
 * without any page being told.
 */
export function rewriteLocalViewers() {
  for (const entry of local.values()) {
    entry.written = null;
    entry.push.request();
  }
}

/** Forgets this process's counts in Redis (a web process shutting down: its viewers reconnect elsewhere). */
export async function forgetLocalViewers() {
  const races = [...local.keys()];
  for (const entry of local.values()) entry.push.cancel();
  local.clear();
  await Promise.allSettled(races.map((raceId) => redis.hdel(viewersKey(raceId), processField)));
}
