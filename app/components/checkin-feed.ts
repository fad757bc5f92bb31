import type { RaceActivityMessage } from "~/realtime/channels";
import type { LinkStatus } from "./live-feed";

/** First event of the check-in stream: the counts as they are in Postgres. */
export type CheckinSnapshot = { type: "snapshot"; checkedIn: number; total: number };

export type CheckinFeedState = { status: LinkStatus; checkedIn: number; total: number };

export type CheckinFeedAction =
  | { type: "status"; status: LinkStatus }
  | { type: "snapshot"; snapshot: CheckinSnapshot }
  | { type: "delta"; message: RaceActivityMessage };

/**
 * Check-ins only ever add up, and concurrent desks can publish their counts out of order,
 * so a delta never lowers the count. Each (re)connect's snapshot is the truth.
 */
export function reduceCheckinFeed(state: CheckinFeedState, action: CheckinFeedAction): CheckinFeedState {
  switch (action.type) {
    case "status":
      return { ...state, status: action.status };
    case "snapshot":
      return { status: "live", checkedIn: action.snapshot.checkedIn, total: action.snapshot.total };
    case "delta":
      if (action.message.type !== "checkin") return state;
      return { ...state, checkedIn: Math.max(state.checkedIn, action.message.checkedInCount) };
  }
}
