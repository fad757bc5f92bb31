import type { Express } from "express";
import { workersSeen } from "~/services/worker-heartbeats.server";
import { subscriptions } from "~/realtime/pubsub.server";
import { pingDatabase } from "~/utils/db.server";
import { redis } from "~/utils/redis.server";
import { raceFeedStats } from "./live/race-feed";

/**
 * A dependency check bounded in time: a load balancer's probe gets its answer within about a second even when a
 * dependency hangs instead of refusing (docs/decisions/0080-readiness-answers-within-a-second.md).
 */
function withinASecond<T>(work: Promise<T>, timeoutMs = 1_000) {
  return Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref())]);
}

async function probe(check: () => Promise<unknown>) {
  const started = Date.now();
  try {
    await withinASecond(check());
    return { ok: true, ms: Date.now() - started };
  } catch (error) {
    return { ok: false, ms: Date.now() - started, error: error instanceof Error ? error.message : String(error) };
  }
}

/** What this process listens to: Redis channels and their local listeners, and the race-page feeds it serves. */
function liveStats() {
  const channels = Object.values(subscriptions.stats());
  return { channels: channels.length, listeners: channels.reduce((sum, n) => sum + n, 0), raceFeeds: raceFeedStats() };
}

/**
 * /healthz: the process answers, with its live-feed figures (a count that only grows is a leak). /readyz: it can
 * serve, i.e. Postgres and Redis both answer; it also says whether a worker's heartbeat is fresh (`workers.ok`),
 * which does not make the web process unready.
 */
export function mountHealth(app: Express) {
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok", uptimeSeconds: Math.round(process.uptime()), live: liveStats() });
  });
  app.get("/readyz", async (_req, res) => {
    const [postgres, redisCheck] = await Promise.all([probe(pingDatabase), probe(() => redis.ping())]);
    const ready = postgres.ok && redisCheck.ok;
    // Reported, not required: the web process serves pages without a worker, but operators must see that none runs.
    const seen = redisCheck.ok ? await withinASecond(workersSeen()).catch(() => null) : null;
    const workers = seen === null ? { known: false } : { known: true, fresh: seen.filter((w) => !w.stale).length, stale: seen.filter((w) => w.stale).length, ok: seen.some((w) => !w.stale) };
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unavailable", checks: { postgres, redis: redisCheck }, workers });
  });
}
