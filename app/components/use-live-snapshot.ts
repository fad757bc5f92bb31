import { useEffect, useState } from "react";
import type { LinkStatus } from "./live-feed";

/**
 * A value kept current by an SSE stream that sends whole snapshots (see liveStream's
 * `resnapshotEveryMs`), and whether the live link is up. The browser reconnects a dropped stream
 * itself; a refused one is retried with backoff. Every (re)connect starts with a fresh snapshot.
 */
export function useLiveSnapshot<S>(url: string, initial: S) {
  const [value, setValue] = useState(initial);
  const [status, setStatus] = useState<LinkStatus>("connecting");

  useEffect(() => {
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let stopped = false;
    const connect = () => {
      source = new EventSource(url);
      source.addEventListener("snapshot", (event) => {
        attempt = 0;
        setStatus("live");
        setValue(JSON.parse((event as MessageEvent<string>).data) as S);
      });
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

  return { value, status };
}
