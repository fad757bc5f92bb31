import { createContext, useContext, useReducer, type ReactNode } from "react";
import type { ClubUnread, MembershipView, NotificationView, UserFeedMessage, UserFeedSnapshot } from "~/realtime/channels";
import { useEventSource, type LinkStatus } from "./use-event-source";

export type { LinkStatus };

type FeedState = {
  status: LinkStatus;
  notifications: NotificationView[];
  creditBalance: number | null;
  membership: MembershipView | null;
  clubsUnread?: ClubUnread[];
};

type FeedAction =
  | { type: "status"; status: LinkStatus }
  | { type: "snapshot"; snapshot: UserFeedSnapshot }
  | { type: "delta"; message: UserFeedMessage }
  | { type: "dismiss-local"; id: string };

/** Views can be published out of order (two events of one subscription handled at once): the newer row wins. */
function newerMembership(current: MembershipView | null, incoming: MembershipView) {
  return current && current.updatedAt > incoming.updatedAt ? current : incoming;
}

export function reduce(state: FeedState, action: FeedAction): FeedState {
  switch (action.type) {
    case "status":
      return { ...state, status: action.status };
    case "snapshot":
      return { status: "live", notifications: action.snapshot.notifications, creditBalance: action.snapshot.creditBalance, membership: action.snapshot.membership, ...(action.snapshot.clubsUnread ? { clubsUnread: action.snapshot.clubsUnread } : {}) };
    case "dismiss-local":
      return { ...state, notifications: state.notifications.filter((n) => n.id !== action.id) };
    case "delta": {
      const message = action.message;
      if (message.type === "notification") {
        if (state.notifications.some((n) => n.id === message.notification.id)) return state;
        return { ...state, notifications: [message.notification, ...state.notifications] };
      }
      if (message.type === "notification.dismissed") {
        return { ...state, notifications: state.notifications.filter((n) => n.id !== message.id) };
      }
      if (message.type === "membership") return { ...state, membership: newerMembership(state.membership, message.membership) };
      if (message.type === "club.unread") {
        const others = (state.clubsUnread ?? []).filter((club) => club.clubId !== message.club.clubId);
        return { ...state, clubsUnread: [...others, message.club].sort((a, b) => a.name.localeCompare(b.name)) };
      }
      return { ...state, creditBalance: message.balance };
    }
  }
}

type FeedContextValue = FeedState & { dismissLocally: (id: string) => void; refresh: () => void };
const FeedContext = createContext<FeedContextValue | null>(null);

/**
 * The signed-in user's live feed (notifications, credit balance, membership) over one EventSource per tab.
 * The server sends a fresh snapshot on every (re)connect, so nothing missed while offline is lost.
 */
export function UserFeedProvider({ initialBalance, initialMembership, children }: { initialBalance: number; initialMembership: MembershipView | null; children: ReactNode }) {
  const [state, dispatch] = useReducer(reduce, { status: "connecting", notifications: [], creditBalance: initialBalance, membership: initialMembership });

  const { status, refresh } = useEventSource("/account/live", {
    snapshot: (data) => dispatch({ type: "snapshot", snapshot: data as UserFeedSnapshot }),
    delta: (data) => dispatch({ type: "delta", message: data as UserFeedMessage }),
  });

  const value = { ...state, status, refresh, dismissLocally: (id: string) => dispatch({ type: "dismiss-local", id }) };
  return <FeedContext.Provider value={value}>{children}</FeedContext.Provider>;
}

export function useUserFeed() {
  return useContext(FeedContext);
}
