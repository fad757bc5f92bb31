import type { QueueEntryStatus } from "@prisma/client";
import type { QueueFrame } from "~/lib/queue-rules";
import { db } from "~/utils/db.server";

const RATE_WINDOW_MS = 5 * 60_000;

/**
 * The per-tick broadcast of a race's queue (ADR 0050): one row, one indexed count and one count by status, whatever the crowd.
 * `ratePerMinute` is measured (calls in the last five minutes, per minute of that window that has passed).
 */
export async function queueFrame(raceId: string, now = new Date()): Promise<QueueFrame | null> {
  const since = new Date(now.getTime() - RATE_WINDOW_MS);
  const [queue, recentCalls, byStatus] = await Promise.all([
    db.raceQueue.findUnique({
      where: { raceId },
      select: { enabled: true, opensAt: true, servingUpTo: true, admittedCount: true, leftCount: true, paused: true, soldOutAt: true, shuffledAt: true },
    }),
    db.queueEntry.count({ where: { raceId, calledAt: { gt: since } } }),
    db.queueEntry.groupBy({ by: ["status"], where: { raceId }, _count: { _all: true } }),
  ]);
  if (!queue) return null;
  const count = (...statuses: QueueEntryStatus[]) => byStatus.reduce((sum, row) => sum + (statuses.includes(row.status) ? row._count._all : 0), 0);
  const window = Math.min(RATE_WINDOW_MS, Math.max(60_000, now.getTime() - queue.opensAt.getTime()));
  return {
    type: "queue",
    servingUpTo: queue.servingUpTo,
    admitted: queue.admittedCount,
    left: queue.leftCount,
    waiting: count("WAITING"),
    inCheckout: count("CALLED", "IN_CHECKOUT"),
    registered: count("REGISTERED"),
    ratePerMinute: Math.round((recentCalls / (window / 60_000)) * 10) / 10,
    paused: queue.paused,
    soldOut: queue.soldOutAt !== null,
    open: queue.enabled && now >= queue.opensAt,
    drawn: queue.shuffledAt !== null,
  };
}

/** Whether a race admits through a queue, and the user's own pass if they hold a valid one (for the race page). */
export async function queueGate(raceId: string, userId: string | null, now = new Date()) {
  const queue = await db.raceQueue.findUnique({ where: { raceId }, select: { enabled: true } });
  if (!queue?.enabled) return { queueOn: false as const, pass: null, passExpiresAt: null };
  const entry = userId
    ? await db.queueEntry.findUnique({ where: { raceId_userId: { raceId, userId } }, select: { status: true, passToken: true, passExpiresAt: true } })
    : null;
  const valid = entry && (entry.status === "CALLED" || entry.status === "IN_CHECKOUT") && entry.passExpiresAt && entry.passExpiresAt > now;
  return { queueOn: true as const, pass: valid ? entry.passToken : null, passExpiresAt: valid ? entry.passExpiresAt!.toISOString() : null };
}

/** A buyer's own entry, with the exact number of people ahead read now (on load and on every reconnect). */
export async function queueEntryView(raceId: string, userId: string, now = new Date()) {
  const [entry, frame, settings] = await Promise.all([
    db.queueEntry.findUnique({
      where: { raceId_userId: { raceId, userId } },
      select: { number: true, status: true, joinedAt: true, calledAt: true, passExpiresAt: true },
    }),
    queueFrame(raceId, now),
    db.raceQueue.findUnique({ where: { raceId }, select: { enabled: true, opensAt: true, preQueueMinutes: true, passMinutes: true, admitPerMinute: true } }),
  ]);
  if (!settings || !frame) return null;
  // In the pre-queue (no number yet) nobody is ahead until the draw at opening.
  const ahead =
    entry?.status === "WAITING" && entry.number !== null
      ? await db.queueEntry.count({ where: { raceId, status: "WAITING", number: { lt: entry.number } } })
      : 0;
  return {
    settings: { ...settings, opensAt: settings.opensAt.toISOString() },
    frame,
    entry: entry
      ? {
          number: entry.number,
          status: entry.status,
          ahead,
          admittedThen: frame.admitted,
          passExpiresAt: entry.passExpiresAt?.toISOString() ?? null,
        }
      : null,
  };
}

export type QueueEntryView = NonNullable<Awaited<ReturnType<typeof queueEntryView>>>;

/** The organiser's console: counts by status, places left, conversion, the settings in force. */
export async function queueConsole(raceId: string, now = new Date()) {
  const [queue, byStatus, places, frame] = await Promise.all([
    db.raceQueue.findUnique({ where: { raceId } }),
    db.queueEntry.groupBy({ by: ["status"], where: { raceId }, _count: { _all: true } }),
    db.ticketType.findMany({ where: { raceId, archivedAt: null }, select: { capacity: true, soldCount: true, heldCount: true } }),
    queueFrame(raceId, now),
  ]);
  const count = (status: QueueEntryStatus) => byStatus.find((row) => row.status === status)?._count._all ?? 0;
  const admitted = queue?.admittedCount ?? 0;
  const registered = count("REGISTERED");
  return {
    settings: queue
      ? {
          enabled: queue.enabled,
          opensAt: queue.opensAt.toISOString(),
          preQueueMinutes: queue.preQueueMinutes,
          admitPerMinute: queue.admitPerMinute,
          passMinutes: queue.passMinutes,
          checkoutCap: queue.checkoutCap,
          paused: queue.paused,
          opened: queue.shuffledAt !== null,
          soldOut: queue.soldOutAt !== null,
        }
      : null,
    counts: {
      waiting: count("WAITING"),
      called: count("CALLED"),
      inCheckout: count("IN_CHECKOUT"),
      registered,
      ended: count("LEFT") + count("EXPIRED"),
      soldOut: count("SOLD_OUT"),
      admitted,
    },
    conversion: admitted === 0 ? null : registered / admitted,
    measuredRate: frame?.ratePerMinute ?? 0,
    placesLeft: places.reduce((sum, t) => sum + Math.max(0, t.capacity - t.soldCount - t.heldCount), 0),
  };
}

export type QueueConsoleView = Awaited<ReturnType<typeof queueConsole>>;
