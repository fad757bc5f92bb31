import { channels } from "~/realtime/channels";
import { publish, subscriptions } from "~/realtime/pubsub.server";
import { createLogger } from "~/utils/logger.server";
import { singleton } from "~/utils/singleton.server";

/** The longest a cached read serves, even if a change message never arrives (Redis away when it was sent). */
const MAX_AGE_MS = 10_000;

const log = createLogger({ service: "public-races-cache" });

/**
 * Public race data that changes only when an organiser acts (a race's details, the list of upcoming races), kept per
 * web process (ADR 0111). Every change drops the whole cache here at once and, through `races:public`, in every
 * other process; reads are cached only while this process is subscribed to that channel, so a process that could
 * miss a change reads Postgres. Concurrent misses of one key share one read.
 */
class PublicRacesCache {
  private readonly entries = new Map<string, { value: Promise<unknown>; expiresAt: number }>();
  private subscribed = false;
  private subscribing = false;

  read<T>(key: string, load: () => Promise<T>): Promise<T> {
    this.listen();
    if (!this.subscribed) return load();
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value as Promise<T>;
    const value = load();
    const entry = { value, expiresAt: now + MAX_AGE_MS };
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  clear() {
    this.entries.clear();
  }

  listen() {
    if (this.subscribed || this.subscribing) return;
    this.subscribing = true;
    subscriptions.subscribe(channels.publicRaces(), () => this.clear()).then(
      () => {
        // Changes sent while the subscriber was away are lost: start again from Postgres.
        subscriptions.onReconnect(() => this.clear());
        this.subscribed = true;
      },
      (error: unknown) => {
        this.subscribing = false;
        log.warn("not subscribed to race changes: reading Postgres", { error });
      },
    );
  }
}

const cache = singleton("public-races-cache", () => new PublicRacesCache());

/** Subscribes this process to race changes (web start-up); until then reads go to Postgres. */
export function watchPublicRaceChanges() {
  cache.listen();
}

/** A read of public race data, served from this process's cache while no change has been announced. */
export function cachedPublicRead<T>(key: string, load: () => Promise<T>) {
  return cache.read(key, load);
}

/**
 * Call after committing a change to what race pages or race lists show: this process drops its cache at once (its
 * next page shows the change), the others when the message arrives. A failed publish is logged, never thrown: the
 * change is committed, and other processes' copies expire within `MAX_AGE_MS`.
 */
export async function announcePublicRacesChanged() {
  cache.clear();
  await publish(channels.publicRaces(), { type: "races.changed", at: new Date().toISOString() }).catch((error: unknown) => {
    log.warn("race change not announced: other processes show it when their copy expires", { error });
  });
}
