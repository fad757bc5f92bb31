import type { AlertSeverity } from "@prisma/client";
import type { QueueName } from "~/jobs/catalog";
import { redis, redisKey } from "~/utils/redis.server";
import { raiseAlert } from "./alerts.server";

/** BullMQ's reason for a job whose worker died while running it more often than `maxStalledCount` allows. */
export const STALLED_TOO_OFTEN = "job stalled more than allowable limit";

/** Whether a job failed because workers running it died, not because of the work itself. */
export function failedByStalling(error: Error) {
  return error.message === STALLED_TOO_OFTEN;
}

/** Money is at stake in these queues: their failures are critical. */
const severityOf: Record<QueueName, AlertSeverity> = { stripe: "CRITICAL", refunds: "CRITICAL", email: "WARNING", housekeeping: "WARNING", admissions: "WARNING", ai: "INFO" };

type FailedJob = { queue: QueueName; name: string; jobId: string; attempts: number; error: Error };

/**
 * Tells operators (the alerts page and their notifications) about a job that failed for good, once per job: after its
 * last retry or a permanent error, or abandoned because its workers kept dying. The work behind an abandoned job is
 * still pending in Postgres and housekeeping queues it again; the alert says so.
 */
export async function reportJobFailure({ queue, name, jobId, attempts, error }: FailedJob) {
  const abandoned = failedByStalling(error);
  return raiseAlert({
    kind: abandoned ? "job.abandoned" : "job.failed",
    severity: abandoned ? "WARNING" : severityOf[queue],
    message: abandoned
      ? `Job ${name} (${jobId}) was interrupted twice because the worker running it stopped (killed or crashed). Housekeeping queues the work again; check the worker's logs if this repeats.`
      : `Job ${name} (${jobId}) failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${error.message}. Retry it from the queue dashboard once the cause is fixed.`,
    context: { queue, job: name, jobId, attempts, error: error.message },
    dedupeKey: `${abandoned ? "job-abandoned" : "job-failed"}:${queue}:${jobId}`,
  });
}

const HOUR_MS = 3_600_000;
const recoveredKey = (queue: QueueName) => redisKey("jobs-recovered", queue);

/**
 * Remembers a job that failed at least once and then completed on a retry (a transient failure: Stripe answering 500,
 * SMTP busy), so operators see on their home how often work needed a second try even though nothing is left failed.
 */
export async function recordRecoveredJob(queue: QueueName, jobId: string, now = Date.now()) {
  const key = recoveredKey(queue);
  await redis
    .multi()
    .zadd(key, now, `${jobId}:${now}`)
    .zremrangebyscore(key, "-inf", now - HOUR_MS)
    .pexpire(key, 2 * HOUR_MS)
    .exec();
}

/** Jobs of the queue that completed on a retry in the last hour. */
export function recoveredLastHour(queue: QueueName, now = Date.now()) {
  return redis.zcount(recoveredKey(queue), now - HOUR_MS, "+inf");
}
