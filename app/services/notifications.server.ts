import type { NotificationView } from "~/realtime/channels";
import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { db, isUniqueViolation } from "~/utils/db.server";

export const NOTIFICATION_TTL_MS = 24 * 60 * 60 * 1000;

/** What a tab shows of a notification. */
export const notificationSelect = {
  id: true,
  kind: true,
  title: true,
  body: true,
  href: true,
  createdAt: true,
} as const;

type NotificationRow = { id: string; kind: string; title: string; body: string; href: string | null; createdAt: Date };

export function toNotificationView(row: NotificationRow): NotificationView {
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
      select: notificationSelect,
    });
  } catch (error) {
    if (isUniqueViolation(error)) return null;
    throw error;
  }
  const notification = toNotificationView(row);
  await publish(channels.user(input.userId), { type: "notification", notification });
  return notification;
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
