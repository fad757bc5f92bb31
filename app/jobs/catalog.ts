import type { JobsOptions } from "bullmq";
import { z } from "zod";
import { ADMISSION_TICK_MS } from "~/lib/queue-rules";
import { BACKOFF_TYPE } from "./retry";

/**
 * Retries for transient failures: exponential backoff with jitter so retries do not stampede, and never sooner
 * than a `Retry-After` the failure carried (see ./retry.ts).
 */
const transientRetries = {
  attempts: 8,
  backoff: { type: BACKOFF_TYPE, delay: 2_000, jitter: 0.5 },
} satisfies JobsOptions;

type JobDefinition<S extends z.ZodTypeAny> = {
  queue: QueueName;
  payload: S;
  /** Derived from the business key, so enqueueing the same work twice collapses into one job. */
  jobId: (payload: z.output<S>) => string;
  options: JobsOptions;
};

export const queueNames = ["admissions", "ai", "email", "housekeeping", "refunds", "stripe"] as const;
export type QueueName = (typeof queueNames)[number];

function defineJob<S extends z.ZodTypeAny>(definition: JobDefinition<S>) {
  return definition;
}

/** The one catalog of background jobs, shared by web (enqueue) and worker (handle). */
export const jobCatalog = {
  "ai.run": defineJob({
    queue: "ai",
    payload: z.object({ aiJobId: z.string().min(1) }),
    jobId: ({ aiJobId }) => `ai.run-${aiJobId}`,
    // A user is waiting on the page: fewer, quicker retries than background work, then a refund.
    options: { attempts: 4, backoff: { type: BACKOFF_TYPE, delay: 1_000, jitter: 0.5 }, removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: false },
  }),
  "email.send": defineJob({
    queue: "email",
    payload: z.object({ emailId: z.string().min(1) }),
    jobId: ({ emailId }) => `email.send-${emailId}`,
    options: { ...transientRetries, removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: false },
  }),
  "auth.password-reset": defineJob({
    queue: "email",
    // The address as typed: the worker looks it up, so the web answers alike whether it has an account.
    payload: z.object({ email: z.string().min(1), requestKey: z.string().min(1) }),
    jobId: ({ requestKey }) => `auth.password-reset-${requestKey}`,
    options: { ...transientRetries, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } },
  }),
  "holds.release-expired": defineJob({
    queue: "housekeeping",
    payload: z.object({}),
    jobId: () => "holds.release-expired",
    options: { attempts: 3, backoff: { type: "exponential", delay: 2_000 }, removeOnComplete: 100, removeOnFail: 100 },
  }),
  "stripe.event": defineJob({
    queue: "stripe",
    payload: z.object({ eventId: z.string().min(1) }),
    jobId: ({ eventId }) => `stripe.event-${eventId}`,
    options: { ...transientRetries, removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: false },
  }),
  "stripe.replay": defineJob({
    queue: "stripe",
    // Each replay an operator asks for is its own job (a replay of a replay is a new request).
    payload: z.object({ eventId: z.string().min(1), requestedAt: z.string().datetime() }),
    jobId: ({ eventId, requestedAt }) => `stripe.replay-${eventId}-${requestedAt}`,
    options: { attempts: 3, backoff: { type: BACKOFF_TYPE, delay: 2_000, jitter: 0.5 }, removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: false },
  }),
  "checkout.expire-session": defineJob({
    queue: "stripe",
    payload: z.object({ sessionId: z.string().min(1) }),
    // One job per session: every release of the same order collapses into it.
    jobId: ({ sessionId }) => `checkout.expire-session-${sessionId}`,
    options: { ...transientRetries, removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: false },
  }),
  "refunds.cancelled-race-order": defineJob({
    queue: "refunds",
    payload: z.object({ orderId: z.string().min(1) }),
    // One job per order: cancelling (or housekeeping) queueing it again collapses into it.
    jobId: ({ orderId }) => `refunds.cancelled-race-order-${orderId}`,
    options: { ...transientRetries, removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: false },
  }),
  "queue.admit": defineJob({
    // Its own queue, so a slow housekeeping sweep never delays the people waiting for their turn.
    queue: "admissions",
    payload: z.object({}),
    jobId: () => "queue.admit",
    // A failed tick is not retried: the next one, a second later, does the same work with the state in Postgres.
    options: { attempts: 1, removeOnComplete: 10, removeOnFail: 100 },
  }),
  "reconciliation.run": defineJob({
    queue: "housekeeping",
    // Scheduled (hourly, no payload) or asked for by an operator (its own job per request, audited by the web).
    payload: z.object({ requestedAt: z.string().datetime().optional(), requestedBy: z.string().min(1).optional() }),
    jobId: ({ requestedAt }) => (requestedAt ? `reconciliation.run-${requestedAt}` : "reconciliation.run"),
    // Stripe's list calls may fail for a while; a run that still fails stays in the dead-letter list and alerts.
    options: { attempts: 4, backoff: { type: BACKOFF_TYPE, delay: 30_000, jitter: 0.5 }, removeOnComplete: 100, removeOnFail: false },
  }),
  "clubs.remind-events": defineJob({
    queue: "housekeeping",
    // Scheduled (no payload), or asked for at a given moment (a test, an operator): its own job per request.
    payload: z.object({ requestedAt: z.string().datetime().optional() }),
    jobId: ({ requestedAt }) => (requestedAt ? `clubs.remind-events-${requestedAt}` : "clubs.remind-events"),
    // A failed scan is not worth retrying hard: the next one, a minute later, does the same work.
    options: { attempts: 2, backoff: { type: "exponential", delay: 5_000 }, removeOnComplete: 100, removeOnFail: 100 },
  }),
  "housekeeping.sweep": defineJob({
    queue: "housekeeping",
    // `catchUpAt`: a catch-up run (the worker started, or Redis came back), which re-queues every pending row
    // at once instead of only those left pending for a while; each catch-up is its own job.
    payload: z.object({ catchUpAt: z.string().datetime().optional() }),
    jobId: ({ catchUpAt }) => (catchUpAt ? `housekeeping.catch-up-${catchUpAt}` : "housekeeping.sweep"),
    options: { attempts: 3, backoff: { type: "exponential", delay: 5_000 }, removeOnComplete: 100, removeOnFail: 100 },
  }),
};

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.input<(typeof jobCatalog)[N]["payload"]>;

/** Repeatable jobs the worker schedules at boot. */
export const repeatableJobs: { name: JobName; everyMs: number }[] = [
  { name: "housekeeping.sweep", everyMs: 60_000 },
  { name: "holds.release-expired", everyMs: 15_000 },
  // Every virtual queue that is on: admissions at its rate, pass expiry, sold out (ADR 0050).
  { name: "queue.admit", everyMs: ADMISSION_TICK_MS },
  // Stripe's recent sessions and charges against Startline's records (ADR 0075).
  { name: "reconciliation.run", everyMs: 3_600_000 },
  // Club events starting within a day remind the members going (docs/decisions/0090).
  { name: "clubs.remind-events", everyMs: 60_000 },
];
