import { useCallback, useEffect, useRef, useState } from "react";

/** `offline`: several connection attempts in a row failed; attempts go on, slowly, and "Refresh now" tries at once. */
export type LinkStatus = "connecting" | "live" | "reconnecting" | "offline";

/** Failed attempts in a row (none of them reached a snapshot) after which the link counts as offline. */
export const OFFLINE_AFTER_FAILURES = 3;
const OFFLINE_RETRY_MS = 15_000;

/** Wait before the next attempt after `failures` failed ones: 1 s, 2 s, … while reconnecting, then every 15 s; with jitter. */
export function retryDelayMs(failures: number) {
  const base = failures >= OFFLINE_AFTER_FAILURES ? OFFLINE_RETRY_MS : 1_000 * 2 ** Math.max(0, failures - 1);
  return base * (0.5 + Math.random() / 2);
}

/** The status a run of failed attempts shows. */
export function statusAfterFailures(failures: number): LinkStatus {
  return failures >= OFFLINE_AFTER_FAILURES ? "offline" : "reconnecting";
}

/**
 * One of our SSE feeds: calls `handlers[event]` with each event's parsed JSON and reports whether the
 * link is up. A dropped or refused stream is retried by this hook (not the browser's own fixed retry), with
 * exponential backoff and jitter; after OFFLINE_AFTER_FAILURES failed attempts the link is `offline` and
 * `refresh()` (the "Refresh now" control) connects at once. Every (re)connect starts with a fresh snapshot.
 */
export function useEventSource(url: string, handlers: Record<string, (data: unknown) => void>) {
  const [status, setStatus] = useState<LinkStatus>("connecting");
  const latest = useRef(handlers);
  latest.current = handlers;
  const reconnectNow = useRef<() => void>(() => undefined);

  useEffect(() => {
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let stopped = false;
    const connect = () => {
      if (retry) clearTimeout(retry);
      retry = undefined;
      source?.close();
      const current = new EventSource(url);
      source = current;
      let gotSnapshot = false;
      for (const event of Object.keys(latest.current)) {
        current.addEventListener(event, (message) => {
          if (event === "snapshot") {
            gotSnapshot = true;
            failures = 0;
            setStatus("live");
          }
          latest.current[event]?.(JSON.parse((message as MessageEvent<string>).data));
        });
      }
      current.onerror = () => {
        if (stopped || current !== source) return;
        current.close();
        // A stream that was live and dropped tries again soon; an attempt that never got its snapshot counts as a failure.
        if (!gotSnapshot) failures += 1;
        setStatus(statusAfterFailures(failures));
        retry = setTimeout(connect, retryDelayMs(failures));
      };
    };
    reconnectNow.current = () => {
      if (stopped) return;
      setStatus((now) => (now === "live" ? now : "reconnecting"));
      connect();
    };
    // The device got its network back: no need to wait for the next attempt.
    const onOnline = () => reconnectNow.current();
    window.addEventListener("online", onOnline);
    connect();
    return () => {
      stopped = true;
      window.removeEventListener("online", onOnline);
      if (retry) clearTimeout(retry);
      source?.close();
    };
  }, [url]);

  const refresh = useCallback(() => reconnectNow.current(), []);
  return { status, refresh };
}
