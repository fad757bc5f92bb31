import { useReducer } from "react";
import type { RaceActivityMessage } from "~/realtime/channels";
import { reduceCheckinFeed, type CheckinSnapshot } from "./checkin-feed";
import { LiveIndicator } from "./live-indicator";
import { useEventSource } from "./use-event-source";

/** "N of M checked in", kept live over the race's check-in stream, with the state of the link. */
export function CheckinCount({ raceId, initial }: { raceId: string; initial: { checkedIn: number; total: number } }) {
  const [state, dispatch] = useReducer(reduceCheckinFeed, { status: "connecting", ...initial });

  const { status, refresh } = useEventSource(`/organiser/races/${raceId}/checkin/live`, {
    snapshot: (data) => dispatch({ type: "snapshot", snapshot: data as CheckinSnapshot }),
    delta: (data) => dispatch({ type: "delta", message: data as RaceActivityMessage }),
  });

  return (
    <div role="group" aria-label="Check-in count" className="flex flex-wrap items-center gap-3">
      <p className="text-lg font-semibold" aria-live="polite">
        <span data-testid="checked-in-count">{state.checkedIn}</span> of {state.total} checked in
      </p>
      <LiveIndicator status={status} onRefresh={refresh} text={{ reconnecting: "Reconnecting… numbers may be behind", offline: "Offline: numbers may be behind" }} />
    </div>
  );
}
