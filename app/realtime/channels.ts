/** Messages of the per-user feed: notifications and the credit balance of one user. */
export type NotificationView = {
  id: string;
  kind: string;
  title: string;
  body: string;
  href: string | null;
  createdAt: string;
};

export type UserFeedMessage =
  | { type: "notification"; notification: NotificationView }
  | { type: "notification.dismissed"; id: string }
  | { type: "credits.balance"; balance: number };

export type UserFeedSnapshot = {
  type: "snapshot";
  notifications: NotificationView[];
  creditBalance: number;
};

/** Every live channel, typed by the message it carries. Names are prefixed per deployment. */
export const channels = {
  user: (userId: string) => ({ name: `user:${userId}`, message: null as unknown as UserFeedMessage }),
};

export type Channel<M> = { name: string; message: M };
