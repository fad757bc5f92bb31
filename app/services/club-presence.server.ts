import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { throttle } from "~/lib/throttle";
import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { createLogger } from "~/utils/logger.server";
import { redis, redisKey } from "~/utils/redis.server";

/**
 * "Who is here now" in a club (docs/decisions/0091): race presence (ADR 0026) with people instead of a count.
 * Each web process keeps, per club, how many open club feeds each member has (tabs) in memory, and writes the
 * set of members it has into a hash (`club:<id>:online`, field = process, value = "stamp:id,id,…"): when the set
 * changed, at most once per ONLINE_PUSH_MS, and every ONLINE_REFRESH_MS anyway. Who is online is the union of the
 * fresh fields, so a person is listed once however many tabs and processes hold their page; a field not refreshed
 * for ONLINE_STALE_MS belongs to a process that died and is dropped. A tab opening or closing costs no Redis write
 * by itself, and pages hear about a change once per push, not once per tab.
 */
export const ONLINE_PUSH_MS = 1_000;
export const ONLINE_REFRESH_MS = 5_000;
export const ONLINE_STALE_MS = 15_000;

const log = createLogger({ service: "club-presence" });
const processField = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
const onlineKey = (clubId: string) => redisKey("club", clubId, "online");

type LocalClub = { tabs: Map<string, number>; written: string | null; writtenAt: number; push: ReturnType<typeof throttle> };
const local = new Map<string, LocalClub>();
let refresher: ReturnType<typeof setInterval> | undefined;

function memberList(entry: LocalClub) {
  return [...entry.tabs.keys()].sort().join(",");
}

async function writeMembers(clubId: string) {
  const entry = local.get(clubId);
  if (!entry) return;
  const members = memberList(entry);
  const now = Date.now();
  const key = onlineKey(clubId);
  if (members === "") await redis.hdel(key, processField);
  else await redis.multi().hset(key, processField, `${now}:${members}`).pexpire(key, ONLINE_STALE_MS * 2).exec();
  const changed = entry.written !== members;
  entry.written = members;
  entry.writtenAt = now;
  if (members === "" && local.get(clubId) === entry && entry.tabs.size === 0) local.delete(clubId);
  if (changed) await publish(channels.clubPresence(clubId), { type: "club.presence", at: new Date(now).toISOString() });
}

function startRefreshing() {
  refresher ??= setInterval(() => {
    const due = Date.now() - ONLINE_REFRESH_MS;
    for (const entry of local.values()) if (entry.writtenAt <= due) entry.push.request();
    if (local.size === 0) {
      clearInterval(refresher);
      refresher = undefined;
    }
  }, ONLINE_REFRESH_MS);
  refresher.unref();
}

function changeTabs(clubId: string, userId: string, by: number) {
  let entry = local.get(clubId);
  if (!entry) {
    const push = throttle(() => writeMembers(clubId).catch((error: unknown) => log.warn("club presence not written", { clubId, error })), ONLINE_PUSH_MS);
    entry = { tabs: new Map(), written: null, writtenAt: 0, push };
    local.set(clubId, entry);
  }
  const tabs = (entry.tabs.get(userId) ?? 0) + by;
  if (tabs > 0) entry.tabs.set(userId, tabs);
  else entry.tabs.delete(userId);
  entry.push.request();
  startRefreshing();
}

/** Counts one open club feed of this process for the member until the returned function is called. */
export function watchClub(clubId: string, userId: string) {
  changeTabs(clubId, userId, 1);
  let left = false;
  return () => {
    if (left) return;
    left = true;
    changeTabs(clubId, userId, -1);
  };
}

/** Ids of the members with the club page open now, across every web process (the union of fresh fields). */
export async function onlineMembers(clubId: string, now = Date.now()) {
  const key = onlineKey(clubId);
  const fields = await redis.hgetall(key);
  const online = new Set<string>();
  const stale: string[] = [];
  for (const [field, value] of Object.entries(fields)) {
    const split = value.indexOf(":");
    const stamp = Number(value.slice(0, split));
    if (!(stamp >= now - ONLINE_STALE_MS)) stale.push(field);
    else for (const id of value.slice(split + 1).split(",")) if (id) online.add(id);
  }
  if (stale.length) await redis.hdel(key, ...stale);
  return online;
}

/** Forgets this process's members in Redis (a web process shutting down: its pages reconnect elsewhere). */
export async function forgetLocalClubPresence() {
  const clubs = [...local.keys()];
  for (const entry of local.values()) entry.push.cancel();
  local.clear();
  await Promise.allSettled(clubs.map((clubId) => redis.hdel(onlineKey(clubId), processField)));
}
