import { useEffect, useRef, useState } from "react";

export type LinkStatus = "connecting" | "live" | "reconnecting";

/**
 * One of our SSE feeds: calls `handlers[event]` with each event's parsed JSON and reports whether the
 * link is up. The browser reconnects a dropped stream itself; a refused one (CLOSED) is retried with
 * exponential backoff and jitter. Every (re)connect starts with a fresh snapshot from the server.
 */
export function useEventSource(url: string, handlers: Record<string, (data: unknown) => void>) {
  const [status, setStatus] = useState<LinkStatus>("connecting");
  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(() => {
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let stopped = false;
    const connect = () => {
      source = new EventSource(url);
      for (const event of Object.keys(latest.current)) {
        source.addEventListener(event, (message) => {
          if (event === "snapshot") {
            attempt = 0;
            setStatus("live");
          }
          latest.current[event]?.(JSON.parse((message as MessageEvent<string>).data));
        });
      }
      source.onerror = () => {
        setStatus("reconnecting");
        if (source?.readyState === EventSource.CLOSED && !stopped) {
          source.close();
          retry = setTimeout(connect, Math.min(30_000, 1_000 * 2 ** attempt++) * (0.5 + Math.random() / 2));
        }
      };
    };
    connect();
    return () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      source?.close();
    };
  }, [url]);

  return status;
}
