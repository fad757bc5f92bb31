import { eventStream } from "remix-utils/sse/server";
import { getEnv } from "~/utils/env.server";
import { metrics, routePattern } from "~/utils/metrics.server";
import { connectionSignal } from "~/web/request.server";
import { channels, type Channel } from "./channels";
import { subscriptions } from "./pubsub.server";

export const HEARTBEAT_MS = 15_000;

/**
 * Who is listening to a feed, and the route's own access check for them (e.g. `requireRaceRole` for an
 * organiser's dashboard). It ran before the stream opened; while it is open it runs again whenever the viewer's
 * access channel says something changed (a session revoked, a role changed) and every
 * LIVE_ACCESS_RECHECK_SECONDS in any case (a session that expired, a change made without a message). A thrown
 * `Response` (401, 403, 404, a redirect to log in) or `false` means access is gone, and the stream ends.
 */
export type LiveViewer = { userId: string; authorize: () => Promise<unknown> };

type LiveStreamOptions<M, S> = {
  /**
   * The feed's request and load context: the stream ends when the request aborts or the HTTP response
   * closes (server/web.ts puts that signal in the context; Express may not abort `request.signal`).
   */
  request: Request;
  context: unknown;
  /** One channel, or several whose messages are handled alike (e.g. a race's sales and its viewers). */
  channel: Channel<M> | Channel<M>[];
  /** Read after the subscription is live, so no delta between snapshot and subscription is lost. */
  snapshot: () => Promise<S>;
  /**
   * For aggregate feeds (e.g. race stats): instead of forwarding messages as deltas, any message makes
   * the stream read and send a fresh snapshot, at most once per this many milliseconds, so a burst of
   * messages costs one read.
   */
  resnapshotEveryMs?: number;
  /** For aggregate feeds that also change without a message (a worker's heartbeat going stale): a fresh snapshot this often. */
  refreshEveryMs?: number;
  /**
   * Something held for exactly as long as the stream is open (e.g. being counted as a viewer): run after
   * the subscription is live and before the snapshot; the function it returns runs on close.
   */
  hold?: () => Promise<() => Promise<void>>;
  /** A signed-in viewer's feed ends when they lose access to it; public feeds have none. */
  viewer?: LiveViewer;
};

/** Whether the viewer may still listen: no when the check refuses them, unknown (null) when it could not tell. */
async function stillAllowed(viewer: LiveViewer) {
  try {
    return (await viewer.authorize()) !== false;
  } catch (error) {
    return error instanceof Response ? false : null;
  }
}

/**
 * The one live-feed protocol: subscribe, send a snapshot from Postgres, then forward deltas from
 * Redis as JSON, with a heartbeat comment every 15 s. Every subscription is released on close.
 * A reconnecting client simply gets a fresh snapshot, and so does every open stream when this process's
 * connection to Redis comes back from an outage.
 */
export function liveStream<M, S>({ request, context, channel, snapshot, resnapshotEveryMs, refreshEveryMs, hold, viewer }: LiveStreamOptions<M, S>) {
  const channelList = Array.isArray(channel) ? channel : [channel];
  const feed = { feed: routePattern(new URL(request.url).pathname) };
  return eventStream(connectionSignal(request, context), (send, close) => {
    let open = true;
    metrics.sseConnections.inc(feed);
    const releases: (() => Promise<void>)[] = [];
    const releaseAll = () => Promise.allSettled(releases.splice(0).map((release) => release()));
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    let accessRecheck: ReturnType<typeof setInterval> | undefined;
    let refresh: ReturnType<typeof setInterval> | undefined;
    const pending: M[] = [];
    let snapshotSent = false;
    let resnapshotTimer: ReturnType<typeof setTimeout> | undefined;
    let lastSnapshotRead = 0;
    let reading = Promise.resolve();

    const sendJson = (event: string, data: unknown) => {
      if (open) send({ event, data: JSON.stringify(data) });
    };

    /** Reads run one after another, so snapshots reach the client in the order they were read. */
    const sendSnapshot = () => {
      lastSnapshotRead = Date.now();
      reading = reading.then(async () => sendJson("snapshot", await snapshot()));
      return reading;
    };

    const scheduleSnapshot = (everyMs: number) => {
      if (resnapshotTimer || !open) return;
      resnapshotTimer = setTimeout(() => {
        resnapshotTimer = undefined;
        sendSnapshot().catch(() => close());
      }, Math.max(0, lastSnapshotRead + everyMs - Date.now()));
    };

    /**
     * Checks run one at a time; one asked for during a check runs after it, so a revocation that lands while
     * an earlier check is reading is never missed. A check that fails for another reason (the database is
     * briefly unreachable) keeps the stream: the next one decides.
     */
    let checking = false;
    let checkAgain = false;
    const checkAccess = async () => {
      if (!viewer || !open) return;
      if (checking) return void (checkAgain = true);
      checking = true;
      try {
        do {
          checkAgain = false;
          if ((await stillAllowed(viewer)) === false) return close();
        } while (checkAgain && open);
      } finally {
        checking = false;
      }
    };

    const start = async () => {
      if (viewer) {
        releases.push(await subscriptions.subscribe(channels.access(viewer.userId), () => void checkAccess()));
        if (!open) return void (await releaseAll());
        accessRecheck = setInterval(() => void checkAccess(), getEnv().LIVE_ACCESS_RECHECK_SECONDS * 1000);
      }
      const onMessage = (message: M) => {
        if (!snapshotSent) pending.push(message);
        else if (resnapshotEveryMs !== undefined) scheduleSnapshot(resnapshotEveryMs);
        else sendJson("delta", message);
      };
      for (const one of channelList) {
        releases.push(await subscriptions.subscribe(one, onMessage));
        if (!open) return void (await releaseAll());
      }
      if (hold) {
        releases.push(await hold());
        if (!open) return void (await releaseAll());
      }
      await sendSnapshot();
      snapshotSent = true;
      // Messages published while Redis was away are lost: after it comes back the client gets a fresh snapshot.
      const stopWatching = subscriptions.onReconnect(() => {
        if (open) sendSnapshot().catch(() => close());
      });
      releases.push(async () => void stopWatching());
      const missed = pending.splice(0);
      if (resnapshotEveryMs !== undefined) {
        if (missed.length) scheduleSnapshot(resnapshotEveryMs);
      } else {
        for (const message of missed) sendJson("delta", message);
      }
      heartbeat = setInterval(() => sendJson("ping", { at: Date.now() }), HEARTBEAT_MS);
      if (refreshEveryMs !== undefined) refresh = setInterval(() => scheduleSnapshot(0), refreshEveryMs);
    };

    start().catch(() => close());

    return () => {
      open = false;
      metrics.sseConnections.dec(feed);
      if (heartbeat) clearInterval(heartbeat);
      if (accessRecheck) clearInterval(accessRecheck);
      if (refresh) clearInterval(refresh);
      if (resnapshotTimer) clearTimeout(resnapshotTimer);
      void releaseAll();
    };
  });
}
