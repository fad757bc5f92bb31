import { eventStream } from "remix-utils/sse/server";
import type { Channel } from "./channels";
import { subscriptions } from "./pubsub.server";

export const HEARTBEAT_MS = 15_000;

type LiveStreamOptions<M, S> = {
  /** Tied to the HTTP response closing (see server/index.ts), besides the request's own signal. */
  signal: AbortSignal;
  channel: Channel<M>;
  /** Read after the subscription is live, so no delta between snapshot and subscription is lost. */
  snapshot: () => Promise<S>;
};

/**
 * The one live-feed protocol: subscribe, send a snapshot from Postgres, then forward deltas from
 * Redis as JSON, with a heartbeat comment every 15 s. Every subscription is released on close.
 * A reconnecting client simply gets a fresh snapshot.
 */
export function liveStream<M, S>({ signal, channel, snapshot }: LiveStreamOptions<M, S>) {
  return eventStream(signal, (send, close) => {
    let open = true;
    let release: (() => Promise<void>) | undefined;
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    const pending: M[] = [];
    let snapshotSent = false;

    const sendJson = (event: string, data: unknown) => {
      if (open) send({ event, data: JSON.stringify(data) });
    };

    const start = async () => {
      release = await subscriptions.subscribe(channel, (message) => {
        if (snapshotSent) sendJson("delta", message);
        else pending.push(message);
      });
      if (!open) return release();
      sendJson("snapshot", await snapshot());
      snapshotSent = true;
      for (const message of pending.splice(0)) sendJson("delta", message);
      heartbeat = setInterval(() => sendJson("ping", { at: Date.now() }), HEARTBEAT_MS);
    };

    start().catch(() => close());

    return () => {
      open = false;
      if (heartbeat) clearInterval(heartbeat);
      void release?.();
    };
  });
}
