import { useEffect, useReducer } from "react";
import type { RaceActivityMessage } from "~/realtime/channels";
import { reduceCheckinFeed, type CheckinSnapshot } from "./checkin-feed";
import { Badge } from "./ui";

/** "N of M checked in", kept live over the race's check-in stream, with the state of the link. */
export function CheckinCount({ raceId, initial }: { raceId: string; initial: { checkedIn: number; total: number } }) {
  const [state, dispatch] = useReducer(reduceCheckinFeed, { status: "connecting", ...initial });

  useEffect(() => {
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let stopped = false;
    const connect = () => {
      source = new EventSource(`/organiser/races/${raceId}/checkin/stream`);
      source.addEventListener("snapshot", (event) => {
        attempt = 0;
        dispatch({ type: "snapshot", snapshot: JSON.parse((event as MessageEvent<string>).data) as CheckinSnapshot });
      });
      source.addEventListener("delta", (event) => {
        dispatch({ type: "delta", message: JSON.parse((event as MessageEvent<string>).data) as RaceActivityMessage });
      });
      source.onerror = () => {
        dispatch({ type: "status", status: "reconnecting" });
        // The browser retries a dropped stream itself; a refused one (CLOSED) we retry with backoff.
        if (source?.readyState === EventSource.CLOSED && !stopped) {
          source.close();
          const delay = Math.min(30_000, 1_000 * 2 ** attempt++) * (0.5 + Math.random() / 2);
          retry = setTimeout(connect, delay);
        }
      };
    };
    connect();
    return () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      source?.close();
    };
  }, [raceId]);

  const link = { connecting: ["neutral", "Connecting…"], live: ["good", "Live"], reconnecting: ["warn", "Reconnecting… numbers may be behind"] } as const;
  const [tone, label] = link[state.status];
  return (
    <div role="group" aria-label="Check-in count" className="flex flex-wrap items-center gap-3">
      <p className="text-lg font-semibold" aria-live="polite">
        <span data-testid="checked-in-count">{state.checkedIn}</span> of {state.total} checked in
      </p>
      <Badge tone={tone}>{label}</Badge>
    </div>
  );
}
