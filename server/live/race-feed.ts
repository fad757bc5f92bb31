import type { Express, Request, Response } from "express";
import { channels } from "~/realtime/channels";
import { subscriptions } from "~/realtime/pubsub.server";
import { throttle } from "~/lib/throttle";
import { remainingPlaces } from "~/presenters/race-page.server";
import { countRaceViewers, rewriteLocalViewers, VIEWERS_PUSH_MS, watchRace } from "~/services/race-presence.server";
import { createLogger } from "~/utils/logger.server";
import { feedsPerRace, writeFrame } from "./shared-feed";

/**
 * The race page's public live feed (`GET /races/:slug/live`), served straight from Express (ADR 0026):
 * a popular race's opening puts thousands of people on one page, and the cost of a change must not grow
 * with them. Per race and per process there is one subscription, one snapshot read per tick (places from
 * Postgres at most every PLACES_TICK_MS, the viewer total from Redis at most every VIEWERS_PUSH_MS), and
 * one encoded frame written to every open response. The protocol is liveStream's: a `snapshot` event on
 * connect and on every change, a `ping` every 15 s.
 */
export const PLACES_TICK_MS = 250;

const log = createLogger({ process: "web", feed: "race" });

type Snapshot = { type: "availability"; remaining: Record<string, number>; watching: number };

class RaceFeed {
  readonly clients = new Set<Response>();
  private places: Snapshot["remaining"] | undefined;
  private watching: number | undefined;
  private frame: string | undefined;
  private releases: (() => Promise<void>)[] = [];
  private readonly placesTick = throttle(() => this.refresh("places"), PLACES_TICK_MS);
  private readonly viewersTick = throttle(() => this.refresh("viewers"), VIEWERS_PUSH_MS);
  readonly ready: Promise<void>;

  constructor(
    readonly raceId: string,
    private readonly onBroken: (feed: RaceFeed) => void,
  ) {
    // The first read goes through the ticks like every later one: each value is read by one run at a time, in
    // order, so a slow first read cannot finish after a newer one and put an old count back on the page.
    this.ready = this.subscribe()
      .then(() => this.resync())
      .catch((error: unknown) => {
        // Without a subscription the feed would go quiet: end its streams so browsers reconnect and retry.
        log.warn("race feed could not subscribe; its clients reconnect", { raceId, error });
        this.onBroken(this);
        for (const res of this.clients) res.end();
      });
  }

  private async subscribe() {
    this.releases.push(await subscriptions.subscribe(channels.raceActivity(this.raceId), () => this.placesTick.request()));
    this.releases.push(await subscriptions.subscribe(channels.racePresence(this.raceId), () => this.viewersTick.request()));
  }

  /**
   * Something may have changed while messages could not arrive (Redis came back): read everything and send the
   * snapshot even if it did not change, so every page knows it is live again.
   */
  resync() {
    this.frame = undefined;
    this.placesTick.request();
    this.viewersTick.request();
  }

  /** Reads one value (each has its own tick, so its reads never overlap) and sends the snapshot if it changed. */
  private async refresh(what: "places" | "viewers") {
    try {
      if (what === "places") this.places = (await remainingPlaces(this.raceId)).remaining;
      else this.watching = await countRaceViewers(this.raceId);
    } catch (error) {
      log.warn("race feed read failed; reading again shortly", { raceId: this.raceId, error });
      setTimeout(() => this.clients.size > 0 && this.resync(), VIEWERS_PUSH_MS).unref();
      return;
    }
    if (this.places === undefined || this.watching === undefined) return;
    const snapshot: Snapshot = { type: "availability", remaining: this.places, watching: this.watching };
    const frame = `event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`;
    if (frame === this.frame) return;
    this.frame = frame;
    for (const res of this.clients) writeFrame(res, frame);
  }

  add(res: Response) {
    this.clients.add(res);
    if (this.frame) writeFrame(res, this.frame);
  }

  async close() {
    await this.ready;
    this.placesTick.cancel();
    this.viewersTick.cancel();
    await Promise.allSettled(this.releases.splice(0).map((release) => release()));
  }
}

const registry = feedsPerRace((raceId, onBroken: (feed: RaceFeed) => void) => new RaceFeed(raceId, onBroken));
const feeds = registry.feeds;

/** Each open race page counts as a viewer for as long as it is open (ADR 0021). */
const raceFeedHandler = (req: Request, res: Response) => registry.serve(req.params.slug ?? "", res, watchRace);

/** Open race feeds of this process: races and connections (for operators, tests and benchmarks). */
export function raceFeedStats() {
  return registry.stats();
}

/** Serves `GET /races/:slug/live` ahead of Remix. */
export function mountRaceFeed(app: Express) {
  app.get("/races/:slug/live", (req, res, next) => void raceFeedHandler(req, res).catch(next));
  // After Redis comes back, messages sent while it was away are lost (and it may have restarted empty): this
  // process writes its viewer counts again and every feed reads afresh.
  subscriptions.onReconnect(() => {
    rewriteLocalViewers();
    for (const feed of feeds.values()) feed.resync();
  });
}
