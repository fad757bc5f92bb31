import type { NotificationView } from "~/realtime/channels";
import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { db, sql } from "~/utils/db.server";
import { newRowId } from "./hold-statement.server";

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
  // One statement through pg (ADR 0060): every payment notifies its buyer, so this is on fulfilment's hot path.
  const [row] = await sql<NotificationRow>(
    `INSERT INTO "Notification" (id, "userId", kind, title, body, href, "dedupeKey", "createdAt", "expiresAt")
     VALUES ($1, $2, $3, $4, $5, $6, $7, now() AT TIME ZONE 'UTC', (now() AT TIME ZONE 'UTC') + make_interval(secs => $8::int / 1000.0))
     ON CONFLICT ("dedupeKey") DO NOTHING
     RETURNING id, kind, title, body, href, "createdAt"`,
    [newRowId(), input.userId, input.kind, input.title, input.body, input.href ?? null, input.dedupeKey, NOTIFICATION_TTL_MS],
    undefined,
    "insert-notification",
  );
  if (!row) return null;
  const notification = toNotificationView(row);
  await pushNotification(input.userId, notification);
  return notification;
}

/** Pushes a stored notification live to every open tab of its user. */
export async function pushNotification(userId: string, notification: NotificationView) {
  await publish(channels.user(userId), { type: "notification", notification });
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
