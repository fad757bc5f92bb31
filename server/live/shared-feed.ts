import type { Response } from "express";
import { HEARTBEAT_MS } from "~/realtime/stream.server";
import { findPublicRace } from "~/services/races.server";

/**
 * What the Express-served public feeds (the race page's, the queue's) share: writing one encoded frame to many
 * responses, the slug → race lookup a connecting crowd shares, and a heartbeat per process (ADR 0026, 0050).
 */

/** A client that cannot keep up is sent the latest frame when it drains, not every frame in between. */
const behind = new WeakMap<Response, string>();
export function writeFrame(res: Response, frame: string) {
  if (res.destroyed) return;
  if (res.writableNeedDrain) {
    if (!behind.has(res)) {
      res.once("drain", () => {
        const latest = behind.get(res);
        behind.delete(res);
        if (latest) writeFrame(res, latest);
      });
    }
    behind.set(res, frame);
    return;
  }
  res.write(frame);
}

const RACE_LOOKUP_TTL_MS = 5_000;
const raceIds = new Map<string, { raceId: string | null; until: number }>();

/** The race behind a public slug, remembered for a few seconds so a crowd connecting costs one read. */
export async function publicRaceId(slug: string) {
  const now = Date.now();
  const known = raceIds.get(slug);
  if (known && known.until > now) return known.raceId;
  const found = await findPublicRace(slug);
  const raceId = found?.race?.id ?? null;
  raceIds.set(slug, { raceId, until: now + RACE_LOOKUP_TTL_MS });
  return raceId;
}

/** One `ping` every HEARTBEAT_MS to every open response of a feed kind; started once, on its first client. */
export function heartbeatFor(clients: () => Iterable<Response>) {
  let timer: ReturnType<typeof setInterval> | undefined;
  return () => {
    timer ??= setInterval(() => {
      const ping = `event: ping\ndata: {"at":${Date.now()}}\n\n`;
      for (const res of clients()) writeFrame(res, ping);
    }, HEARTBEAT_MS);
    timer.unref();
  };
}

/** What a per-race feed object offers the registry: its open responses, adding one, and closing when the last leaves. */
export type RaceScopedFeed = { readonly clients: Set<Response>; add(res: Response): void; close(): Promise<void> };

/**
 * One feed object per race in this process, shared by every open response of that race: `serve` answers a public
 * slug (404 for none), opens the SSE response, joins the race's feed (creating it on the first client) and removes
 * the response when it closes, closing the feed with its last client. `onLeave` runs when that response closes.
 */
export function feedsPerRace<F extends RaceScopedFeed>(create: (raceId: string, onBroken: (feed: F) => void) => F) {
  const feeds = new Map<string, F>();
  const startHeartbeat = heartbeatFor(function* () {
    for (const feed of feeds.values()) yield* feed.clients;
  });
  return {
    feeds,
    async serve(slug: string, res: Response, join?: (raceId: string) => () => void) {
      const raceId = await publicRaceId(slug);
      if (!raceId) {
        res.status(404).type("text/plain").send("Not found");
        return;
      }
      res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive", "X-Accel-Buffering": "no" });
      res.flushHeaders();
      let feed = feeds.get(raceId);
      if (!feed) {
        feed = create(raceId, (broken) => feeds.get(raceId) === broken && feeds.delete(raceId));
        feeds.set(raceId, feed);
      }
      const leave = join?.(raceId);
      feed.add(res);
      startHeartbeat();
      res.on("close", () => {
        leave?.();
        const current = feeds.get(raceId);
        if (!current) return;
        current.clients.delete(res);
        if (current.clients.size === 0 && current === feed) {
          feeds.delete(raceId);
          void current.close();
        }
      });
    },
    /** Open feeds of this process: races and connections (for operators, tests and benchmarks). */
    stats() {
      return { races: feeds.size, connections: [...feeds.values()].reduce((sum, feed) => sum + feed.clients.size, 0) };
    },
  };
}
