/** Messages of the per-user feed: notifications and the credit balance of one user. */
export type NotificationView = {
  id: string;
  kind: string;
  title: string;
  body: string;
  href: string | null;
  createdAt: string;
};

/** The user's membership as every page shows it; `updatedAt` orders views published out of order. */
export type MembershipView = {
  plan: string;
  planName: string;
  status: "INCOMPLETE" | "ACTIVE" | "PAST_DUE" | "CANCELED";
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  updatedAt: string;
};

export type UserFeedMessage =
  | { type: "notification"; notification: NotificationView }
  | { type: "notification.dismissed"; id: string }
  | { type: "credits.balance"; balance: number }
  | { type: "membership"; membership: MembershipView }
  | { type: "club.unread"; club: ClubUnread };

/** Messages in a club the user has not seen yet (not their own, not deleted). */
export type ClubUnread = { clubId: string; name: string; unread: number };

export type UserFeedSnapshot = {
  type: "snapshot";
  notifications: NotificationView[];
  creditBalance: number;
  membership: MembershipView | null;
  /** Unread club messages per club the user is in (absent: nothing to show). */
  clubsUnread?: ClubUnread[];
};

/**
 * Something changed in a race's sales or check-ins. Live dashboards and check-in pages re-read
 * their numbers from Postgres when they see it; publishers need not know who listens.
 */
export type RaceActivityMessage =
  | { type: "sales"; at: string }
  | { type: "checkin"; at: string; participantId: string; checkedInCount: number };

/** Someone opened or closed a race page (or a dead process's viewers expired): pages re-read the count. */
export type RacePresenceMessage = { type: "viewers"; at: string };

/** An order's status changed (payment confirmed, hold expired, refunded): its page re-reads it. */
export type OrderMessage = { type: "order.changed"; at: string };

/** An AI job's status or text changed: its live view re-reads the job. */
export type AiJobMessage = { type: "aiJob.changed"; at: string };

/**
 * Something changed in a room (membership, ownership, chat, a member's registration status): its
 * pages re-read the room. `raceRooms` carries the same signal for the race's list of rooms.
 */
export type RoomChangedMessage = { type: "room.changed"; at: string };

/**
 * Something changed about what a user may see: one of their sessions was revoked (logout, a new login in that
 * browser, a password reset) or their role in an organisation changed. Their open feeds check access again.
 */
export type AccessMessage = { type: "sessions.revoked" } | { type: "membership.changed"; organisationId: string } | { type: "club.membership.changed"; clubId: string };

/** A race's queue moved (an admission tick, an organiser action, someone left): its feed re-reads the frame. */
export type QueueMessage = { type: "queue.changed"; at: string };

/** A job finished or failed, or an operator acted on one: the operator home re-reads its tiles. */
export type OperatorsMessage = { type: "jobs.changed"; at: string };

/**
 * Something changed in a club (members, chat, reactions, events, attendance, rooms) or in who has it open:
 * its pages re-read the club.
 */
export type ClubChangedMessage = { type: "club.changed"; at: string } | { type: "club.presence"; at: string };

/** A race's public details or the list of races changed (an edit, publishing, closing): cached copies are dropped. */
export type PublicRacesMessage = { type: "races.changed"; at: string };

/** Every live channel, typed by the message it carries. Names are prefixed per deployment. */
export const channels = {
  user: (userId: string) => ({ name: `user:${userId}`, message: null as unknown as UserFeedMessage }),
  access: (userId: string) => ({ name: `user:${userId}:access`, message: null as unknown as AccessMessage }),
  order: (orderId: string) => ({ name: `order:${orderId}`, message: null as unknown as OrderMessage }),
  aiJob: (jobId: string) => ({ name: `ai-job:${jobId}`, message: null as unknown as AiJobMessage }),
  room: (roomId: string) => ({ name: `room:${roomId}`, message: null as unknown as RoomChangedMessage }),
  raceRooms: (raceId: string) => ({ name: `race:${raceId}:rooms`, message: null as unknown as RoomChangedMessage }),
  raceActivity: (raceId: string) => ({ name: `race:${raceId}:activity`, message: null as unknown as RaceActivityMessage }),
  racePresence: (raceId: string) => ({ name: `race:${raceId}:presence`, message: null as unknown as RacePresenceMessage }),
  raceQueue: (raceId: string) => ({ name: `race:${raceId}:queue`, message: null as unknown as QueueMessage }),
  club: (clubId: string) => ({ name: `club:${clubId}`, message: null as unknown as ClubChangedMessage }),
  clubPresence: (clubId: string) => ({ name: `club:${clubId}:presence`, message: null as unknown as ClubChangedMessage }),
  operators: () => ({ name: "operators", message: null as unknown as OperatorsMessage }),
  publicRaces: () => ({ name: "races:public", message: null as unknown as PublicRacesMessage }),
};

export type Channel<M> = { name: string; message: M };
