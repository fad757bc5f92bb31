import type { AlertSeverity } from "@prisma/client";
import type { QueueName } from "~/jobs/catalog";
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
