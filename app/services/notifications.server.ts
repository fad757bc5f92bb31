import type { NotificationView } from "~/realtime/channels";
import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { db, isUniqueViolation } from "~/utils/db.server";

export const NOTIFICATION_TTL_MS = 24 * 60 * 60 * 1000;

const notificationView = {
  id: true,
  kind: true,
  title: true,
  body: true,
  href: true,
  createdAt: true,
} as const;

type NotificationRow = { id: string; kind: string; title: string; body: string; href: string | null; createdAt: Date };

function toView(row: NotificationRow): NotificationView {
  return { ...row, createdAt: row.createdAt.toISOString() };
}

type NotifyInput = { userId: string; kind: string; title: string; body: string; href?: string; dedupeKey: string };

/**
 * Stores a notification (kept 24 h) and pushes it live to every open tab of the user.
 * The dedupe key makes it safe for a job that runs twice: the second call changes nothing.
 */
export async function notify(input: NotifyInput) {
  let row: NotificationRow;
  try {
    row = await db.notification.create({
      data: { ...input, href: input.href ?? null, expiresAt: new Date(Date.now() + NOTIFICATION_TTL_MS) },
      select: notificationView,
    });
  } catch (error) {
    if (isUniqueViolation(error)) return null;
    throw error;
  }
  const notification = toView(row);
  await publish(channels.user(input.userId), { type: "notification", notification });
  return notification;
}

/** Notifications a tab should show now: not dismissed, not expired, newest first. */
export async function activeNotifications(userId: string, now = new Date()) {
  const rows = await db.notification.findMany({
    where: { userId, dismissedAt: null, expiresAt: { gt: now } },
    orderBy: { createdAt: "desc" },
    take: 20,
    select: notificationView,
  });
  return rows.map(toView);
}

/** Paginated history of the last 24 hours, for the notifications page. */
export async function recentNotifications(userId: string, page: number, pageSize = 20, now = new Date()) {
  const where = { userId, expiresAt: { gt: now } };
  const [total, rows] = await Promise.all([
    db.notification.count({ where }),
    db.notification.findMany({
      where,
      orderBy: { createdAt: "desc" },
      skip: (page - 1) * pageSize,
      take: pageSize,
      select: { ...notificationView, dismissedAt: true },
    }),
  ]);
  return { total, pageCount: Math.max(1, Math.ceil(total / pageSize)), items: rows };
}

/** Dismisses in every tab; another user's notification id is silently ignored (no existence leak). */
export async function dismissNotification(userId: string, notificationId: string) {
  const { count } = await db.notification.updateMany({
    where: { id: notificationId, userId, dismissedAt: null },
    data: { dismissedAt: new Date() },
  });
  if (count > 0) await publish(channels.user(userId), { type: "notification.dismissed", id: notificationId });
  return count > 0;
}

export async function deleteExpiredNotifications(now = new Date()) {
  const { count } = await db.notification.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}
