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
