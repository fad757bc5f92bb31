import { jobCatalog, queueNames, type JobName, type QueueName } from "~/jobs/catalog";
import { getQueue, oldestWaitingJob } from "~/jobs/queues.server";
import { db } from "~/utils/db.server";
import { recoveredLastHour } from "~/services/job-failures.server";
import { workersSeen } from "~/services/worker-heartbeats.server";
import { paginate } from "./paginate.server";
import { reconciliationTile } from "./reconciliation.server";

export type QueueTile = {
  queue: QueueName;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completedLastHour: number;
  /** Completed in the last hour after failing at least once (a transient failure that a retry got past). */
  recoveredLastHour: number;
  /** Completed per minute, averaged over the last 5 minutes. */
  jobsPerMinute: number;
  oldestWaitingSeconds: number | null;
};

/** Sum of BullMQ's per-minute completion counts (the worker records them; newest minute first). */
async function completedPerMinute(queue: QueueName, minutes: number) {
  const metrics = await getQueue(queue).getMetrics("completed", 0, minutes - 1);
  return metrics.data.slice(0, minutes);
}

export async function queueTiles(now = Date.now()): Promise<QueueTile[]> {
  return Promise.all(
    queueNames.map(async (queue) => {
      const q = getQueue(queue);
      const [counts, lastHour, oldest, recovered] = await Promise.all([
        q.getJobCounts("waiting", "active", "delayed", "failed", "prioritized"),
        completedPerMinute(queue, 60),
        oldestWaitingJob(queue),
        recoveredLastHour(queue, now),
      ]);
      const lastFive = lastHour.slice(0, 5);
      return {
        queue,
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
        completedLastHour: lastHour.reduce((sum, n) => sum + n, 0),
        recoveredLastHour: recovered,
        jobsPerMinute: lastFive.length ? Math.round((lastFive.reduce((sum, n) => sum + n, 0) / 5) * 10) / 10 : 0,
        oldestWaitingSeconds: oldest ? Math.max(0, Math.round((now - oldest.timestamp) / 1000)) : null,
      };
    }),
  );
}

/** Stripe's side of the inbox over the last 24 hours, plus everything still unprocessed. */
export async function stripeInboxTiles(now = Date.now()) {
  const since = new Date(now - 24 * 3600 * 1000);
  const [received, unprocessed, failed] = await Promise.all([
    db.stripeEvent.count({ where: { receivedAt: { gte: since } } }),
    db.stripeEvent.count({ where: { processedAt: null } }),
    db.stripeEvent.count({ where: { processedAt: null, failedAt: { not: null } } }),
  ]);
  return { received, unprocessed, failed };
}

/** Everything the operator home shows, read at once. */
export async function operatorOverview(now = Date.now()) {
  const [queues, workers, stripe, emailsFailed, openAlerts, reconciliation] = await Promise.all([
    queueTiles(now),
    workersSeen(now),
    stripeInboxTiles(now),
    db.emailMessage.count({ where: { status: "FAILED" } }),
    db.operatorAlert.count({ where: { resolvedAt: null } }),
    reconciliationTile(),
  ]);
  return { at: new Date(now).toISOString(), queues, workers, stripe, emailsFailed, openAlerts, reconciliation };
}

export type OperatorOverview = Awaited<ReturnType<typeof operatorOverview>>;

export type FailedJobRow = {
  queue: QueueName;
  id: string;
  name: string;
  summary: string;
  error: string;
  attempts: number;
  failedAt: string | null;
};

const FAILED_LIST_LIMIT = 200;

/** Jobs that failed for good (the dead-letter list), newest first, at most 200 per queue; optionally of one kind. */
export async function failedJobs(kindName?: string) {
  const kind = kindName && Object.hasOwn(jobCatalog, kindName) ? (kindName as JobName) : undefined;
  const queues = kind ? [jobCatalog[kind].queue] : [...queueNames];
  const rows = await Promise.all(
    queues.map(async (queue) => {
      const jobs = await getQueue(queue).getFailed(0, FAILED_LIST_LIMIT - 1);
      return jobs
        .filter((job) => !kind || job.name === kind)
        .map(
          (job): FailedJobRow => ({
            queue,
            id: job.id ?? "",
            name: job.name,
            summary: JSON.stringify(job.data).slice(0, 200),
            error: job.failedReason ?? "",
            attempts: job.attemptsMade,
            failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
          }),
        );
    }),
  );
  return rows.flat().sort((a, b) => (b.failedAt ?? "").localeCompare(a.failedAt ?? ""));
}

export type StripeInboxFilter = { type?: string; status?: "processed" | "unprocessed" | "failed"; olderThanHours?: number; newerThanHours?: number };

function inboxWhere({ type, status, olderThanHours, newerThanHours }: StripeInboxFilter, now: number) {
  return {
    ...(type ? { type } : {}),
    ...(status === "processed" ? { processedAt: { not: null } } : status === "unprocessed" ? { processedAt: null } : status === "failed" ? { processedAt: null, failedAt: { not: null } } : {}),
    ...(olderThanHours !== undefined || newerThanHours !== undefined
      ? {
          receivedAt: {
            ...(olderThanHours !== undefined ? { lte: new Date(now - olderThanHours * 3600 * 1000) } : {}),
            ...(newerThanHours !== undefined ? { gte: new Date(now - newerThanHours * 3600 * 1000) } : {}),
          },
        }
      : {}),
  };
}

const inboxRow = { id: true, type: true, account: true, receivedAt: true, processedAt: true, failedAt: true, outcome: true, replays: true } as const;

/** The Stripe inbox, newest first, 25 per page, with the event types seen for the filter. */
export async function stripeInbox(filter: StripeInboxFilter, page: number, now = Date.now()) {
  const where = inboxWhere(filter, now);
  const [list, types] = await Promise.all([
    paginate({ page, pageSize: 25 }, {
      count: () => db.stripeEvent.count({ where }),
      rows: (window) => db.stripeEvent.findMany({ where, orderBy: { receivedAt: "desc" }, ...window, select: inboxRow }),
    }),
    db.stripeEvent.findMany({ distinct: ["type"], select: { type: true }, orderBy: { type: "asc" } }),
  ]);
  return { ...list, types: types.map((t) => t.type) };
}

/** The objects a Stripe event names, for following it into Startline: the order, credit purchase and account. */
function touched(payload: unknown, account: string | null) {
  const object = ((payload as { data?: { object?: Record<string, unknown> } }).data?.object ?? {}) as { id?: string; metadata?: Record<string, string> | null };
  const metadata = object.metadata ?? {};
  return {
    stripeObject: object.id ?? null,
    orderId: metadata.orderId ?? null,
    purchaseId: metadata.purchaseId ?? null,
    userId: metadata.userId ?? null,
    connectedAccount: account,
  };
}

/** One stored event with its payload and what it touched; null when it is not in the inbox. */
export async function stripeEventDetail(eventId: string) {
  const event = await db.stripeEvent.findUnique({ where: { id: eventId }, select: { ...inboxRow, payload: true, lastError: true } });
  if (!event) return null;
  const order = touched(event.payload, event.account);
  const [orderRow, purchase] = await Promise.all([
    order.orderId ? db.order.findUnique({ where: { id: order.orderId }, select: { id: true, status: true, totalMinor: true, currency: true } }) : null,
    order.purchaseId ? db.creditPurchase.findUnique({ where: { id: order.purchaseId }, select: { id: true, status: true, credits: true } }) : null,
  ]);
  return { ...event, payload: JSON.stringify(event.payload, null, 2), touched: order, order: orderRow, purchase };
}
