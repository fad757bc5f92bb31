import type { Express, Request, Response } from "express";
import { throttle } from "~/lib/throttle";
import { queueFrame } from "~/presenters/queue.server";
import { channels } from "~/realtime/channels";
import { subscriptions } from "~/realtime/pubsub.server";
import { createLogger } from "~/utils/logger.server";
import { feedsPerRace, writeFrame } from "./shared-feed";

/**
 * A race's queue feed (`GET /races/:slug/queue/live`), served from Express like the race feed (ADR 0026, 0050):
 * per race and process one subscription to the queue channel, one read of the frame at most every
 * FRAME_TICK_MS after a message, and one encoded frame written to every waiting page. The frame is the
 * same for everyone ("now serving up to N / admitted / left so far / sold out"); each page derives its own
 * position from it and reads its exact position from its loader on every (re)connect.
 */
export const FRAME_TICK_MS = 250;
const RETRY_READ_MS = 1_000;

const log = createLogger({ process: "web", feed: "queue" });

class QueueFeed {
  readonly clients = new Set<Response>();
  private frame: string | undefined;
  private release: (() => Promise<void>) | undefined;
  private readonly tick = throttle(() => this.refresh(), FRAME_TICK_MS);
  readonly ready: Promise<void>;

  constructor(
    readonly raceId: string,
    private readonly onBroken: (feed: QueueFeed) => void,
  ) {
    this.ready = subscriptions
      .subscribe(channels.raceQueue(raceId), () => this.tick.request())
      .then((release) => {
        this.release = release;
        // Through the tick like every later read: one read at a time, so an old frame never lands after a newer one.
        this.tick.request();
      })
      .catch((error: unknown) => {
        log.warn("queue feed could not subscribe; its clients reconnect", { raceId, error });
        this.onBroken(this);
        for (const res of this.clients) res.end();
      });
  }

  /** Messages may have been lost while Redis was away: send the frame again even if it did not change. */
  resync() {
    this.frame = undefined;
    this.tick.request();
  }

  private async refresh() {
    let frame: string;
    try {
      const snapshot = await queueFrame(this.raceId);
      if (!snapshot) return;
      frame = `event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`;
    } catch (error) {
      log.warn("queue feed read failed; reading again shortly", { raceId: this.raceId, error });
      setTimeout(() => this.clients.size > 0 && this.resync(), RETRY_READ_MS).unref();
      return;
    }
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
    this.tick.cancel();
    await this.release?.();
  }
}

const registry = feedsPerRace((raceId, onBroken: (feed: QueueFeed) => void) => new QueueFeed(raceId, onBroken));
const feeds = registry.feeds;

const queueFeedHandler = (req: Request, res: Response) => registry.serve(req.params.slug ?? "", res);

/** Open queue feeds of this process (for tests and benchmarks). */
export function queueFeedStats() {
  return registry.stats();
}

/** Serves `GET /races/:slug/queue/live` ahead of Remix. */
export function mountQueueFeed(app: Express) {
  app.get("/races/:slug/queue/live", (req, res, next) => void queueFeedHandler(req, res).catch(next));
  subscriptions.onReconnect(() => {
    for (const feed of feeds.values()) feed.resync();
  });
}
