import type { UserFeedSnapshot } from "~/realtime/channels";
import { db } from "~/utils/db.server";
import { creditBalance } from "~/services/credits.server";
import { membershipView } from "~/services/memberships.server";
import { notificationSelect, toNotificationView } from "~/services/notifications.server";
import { clubsUnread } from "./clubs.server";
import { paginate } from "./paginate.server";

/** Notifications a tab should show now: not dismissed, not expired, newest first. */
export async function activeNotifications(userId: string, now = new Date()) {
  const rows = await db.notification.findMany({
    where: { userId, dismissedAt: null, expiresAt: { gt: now } },
    orderBy: { createdAt: "desc" },
    take: 20,
    select: notificationSelect,
  });
  return rows.map(toNotificationView);
}

/** What the user's live feed sends on connect: the notifications to show, the credit balance, the membership and unread club messages. */
export async function userFeedSnapshot(userId: string): Promise<UserFeedSnapshot> {
  const [notifications, balance, membership, clubs] = await Promise.all([activeNotifications(userId), creditBalance(userId), membershipView(userId), clubsUnread(userId)]);
  return { type: "snapshot", notifications, creditBalance: balance, membership, clubsUnread: clubs };
}

/** Paginated history of the last 24 hours, for the notifications page. */
export function recentNotifications(userId: string, page: number, pageSize = 20, now = new Date()) {
  const where = { userId, expiresAt: { gt: now } };
  return paginate({ page, pageSize }, {
    count: () => db.notification.count({ where }),
    rows: (window) => db.notification.findMany({ where, orderBy: { createdAt: "desc" }, ...window, select: { ...notificationSelect, dismissedAt: true } }),
  });
}
