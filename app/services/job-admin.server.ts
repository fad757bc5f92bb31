import type { Job } from "bullmq";
import { enqueue, getQueue } from "~/jobs/queues.server";
import { jobCatalog, queueNames, type JobName, type QueueName } from "~/jobs/catalog";
import { DomainError, NotFoundError } from "~/lib/errors";
import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { db } from "~/utils/db.server";
import { recordAudit } from "./audit.server";

/**
 * The operator's hands on the queues: a job that failed for good (the dead-letter list) is retried or discarded, and
 * a stored Stripe event is replayed. Every action is audited. Retrying runs the job's own idempotent handler, so a
 * job retried twice has one effect.
 */

/** A queue or job kind named by a form, checked against the job catalog. */
export function queueNamed(value: string): QueueName {
  if (!(queueNames as readonly string[]).includes(value)) throw new DomainError("invalid", `There is no queue called "${value}".`, { field: "form" });
  return value as QueueName;
}

export function jobKindNamed(value: string): JobName {
  if (!Object.hasOwn(jobCatalog, value)) throw new DomainError("invalid", `There is no kind of job called "${value}".`, { field: "form" });
  return value as JobName;
}

const notFailedAnyMore = () => new DomainError("conflict", "This job is not failed any more: someone retried it, or it already ran again.", { field: "form" });

/** Audits the action and tells open operator homes to re-read their tiles. */
async function auditOperator(operatorId: string, action: string, entityId: string, changes: Record<string, string | number>) {
  await recordAudit(db, { organisationId: null, actorId: operatorId, action, entityType: "job", entityId, changes });
  await publish(channels.operators(), { type: "jobs.changed", at: new Date().toISOString() });
}

async function failedJob(queueName: string, jobId: string) {
  const job = await getQueue(queueNamed(queueName)).getJob(jobId);
  if (!job) throw new NotFoundError("This job no longer exists: it may have been discarded or cleaned up.", { field: "form" });
  if (!(await job.isFailed())) throw notFailedAnyMore();
  return job;
}

async function retry(job: Job) {
  try {
    await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  } catch {
    // Retried by someone else in between (BullMQ moves it atomically, only once).
    return false;
  }
}

export async function retryFailedJob({ queue, jobId, operatorId }: { queue: string; jobId: string; operatorId: string }) {
  const job = await failedJob(queue, jobId);
  if (!(await retry(job))) throw notFailedAnyMore();
  await auditOperator(operatorId, "job.retried", `${queue}:${jobId}`, { job: job.name, failedReason: job.failedReason ?? "" });
  return { name: job.name };
}

/** Retries every job of one kind that failed for good; returns how many were retried. */
export async function retryFailedJobsOfKind({ name, operatorId }: { name: string; operatorId: string }) {
  const queue = getQueue(jobCatalog[jobKindNamed(name)].queue);
  let retried = 0;
  for (let start = 0; ; start += 500) {
    const jobs = await queue.getFailed(start, start + 499);
    if (jobs.length === 0) break;
    for (const job of jobs) if (job.name === name && (await retry(job))) retried += 1;
    if (jobs.length < 500) break;
  }
  await auditOperator(operatorId, "job.retried_all", name, { retried });
  return retried;
}

/**
 * Removes a failed job for good, with the operator's reason. A Stripe event whose job is discarded is marked processed
 * with that reason, or housekeeping would queue it again.
 */
export async function discardFailedJob({ queue, jobId, reason, operatorId }: { queue: string; jobId: string; reason: string; operatorId: string }) {
  const job = await failedJob(queue, jobId);
  await job.remove();
  if (job.name === "stripe.event") {
    const eventId = String((job.data as { eventId?: unknown }).eventId ?? "");
    await db.stripeEvent.updateMany({ where: { id: eventId, processedAt: null }, data: { processedAt: new Date(), outcome: `discarded by an operator: ${reason}` } });
  }
  await auditOperator(operatorId, "job.discarded", `${queue}:${jobId}`, { job: job.name, reason });
  return { name: job.name };
}

/** Queues a replay of a stored Stripe event (see `replayStripeEvent`). */
export async function requestStripeReplay({ eventId, operatorId }: { eventId: string; operatorId: string }) {
  const event = await db.stripeEvent.findUnique({ where: { id: eventId }, select: { id: true } });
  if (!event) throw new NotFoundError("This Stripe event is not in the inbox (it may have been pruned).", { field: "form" });
  const job = await enqueue("stripe.replay", { eventId, requestedAt: new Date().toISOString() });
  await recordAudit(db, { organisationId: null, actorId: operatorId, action: "stripe_event.replayed", entityType: "stripe_event", entityId: eventId, changes: { jobId: job.id ?? "" } });
  return { jobId: job.id };
}
