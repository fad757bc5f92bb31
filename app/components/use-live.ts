import { useEffect, useState } from "react";

export type LiveLink = "connecting" | "live" | "reconnecting";

/**
 * Subscribes to one of our SSE feeds and returns its latest snapshot and link state.
 * The browser reconnects dropped streams by itself and the server sends a fresh snapshot each time.
 */
export function useLiveSnapshot<S>(url: string, initial: S) {
  const [snapshot, setSnapshot] = useState<S>(initial);
  const [link, setLink] = useState<LiveLink>("connecting");
  useEffect(() => {
    const source = new EventSource(url);
    source.addEventListener("snapshot", (event) => {
      setSnapshot(JSON.parse((event as MessageEvent<string>).data) as S);
      setLink("live");
    });
    source.onerror = () => setLink("reconnecting");
    return () => source.close();
  }, [url]);
  return { snapshot, link };
}
