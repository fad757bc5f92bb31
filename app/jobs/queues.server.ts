import { Queue } from "bullmq";
import { closeRedis, createRedisConnection } from "~/utils/redis.server";
import { getEnv } from "~/utils/env.server";
import { singleton } from "~/utils/singleton.server";
import { jobCatalog, type JobName, type JobPayload, type QueueName } from "./catalog";

const queues = singleton("bullmq-queues", () => new Map<QueueName, Queue>());
/** The queues' shared connection, opened with the first queue this process uses. */
let connection: ReturnType<typeof createRedisConnection> | undefined;

export function bullPrefix() {
  return `${getEnv().REDIS_PREFIX}:bull`;
}

export function getQueue(name: QueueName) {
  let queue = queues.get(name);
  if (!queue) {
    if (!connection) {
      connection = createRedisConnection("queues");
      connection.on("error", () => {
        // ioredis reconnects by itself; callers that must not wait on Redis use `enqueueIfConnected`.
      });
    }
    queue = new Queue(name, { connection, prefix: bullPrefix() });
    queues.set(name, queue);
  }
  return queue;
}

type Priority = { priority?: typeof AFTER_OTHERS };

function jobFor<N extends JobName>(name: N, payload: JobPayload<N>) {
  const definition = jobCatalog[name];
  const parsed = definition.payload.parse(payload);
  const jobId = (definition.jobId as (p: unknown) => string)(parsed);
  const queue = getQueue(definition.queue);
  return { queue, jobId, add: ({ priority }: Priority) => queue.add(name, parsed, { ...definition.options, jobId, ...(priority ? { priority } : {}) }) };
}

/**
 * BullMQ's priority of work nobody waits on to go on (a receipt): it runs after every job of its queue without one,
 * so in a rush of receipts a password reset still goes first (ADR 0115).
 */
export const AFTER_OTHERS = 10;

/** Validates the payload against the catalog and enqueues with the job's derived id and options. */
export async function enqueue<N extends JobName>(name: N, payload: JobPayload<N>, priority: Priority = {}) {
  return jobFor(name, payload).add(priority);
}

/**
 * For work whose truth is a Postgres row that housekeeping re-queues (a Stripe event in the inbox, a QUEUED email):
 * enqueues only while Redis answers, and waits for it at most `timeoutMs`. When Redis is away the caller goes on at
 * once ("deferred") and the worker queues the row when Redis is back (docs/decisions/0030-recovery-without-restarts.md),
 * so a webhook or a page never hangs on Redis.
 */
export async function enqueueIfConnected<N extends JobName>(
  name: N,
  payload: JobPayload<N>,
  {
    timeoutMs = 1_000,
    rerunFailed = false,
    priority,
  }: { timeoutMs?: number; /** `requeue` instead of `enqueue`. */ rerunFailed?: boolean } & Priority = {},
): Promise<"queued" | "deferred"> {
  getQueue(jobCatalog[name].queue);
  // Known to be down: do not even wait.
  const status = connection?.status;
  if (status === "reconnecting" || status === "close" || status === "end") return "deferred";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gaveUp = new Promise<"deferred">((resolve) => {
    timer = setTimeout(() => resolve("deferred"), timeoutMs);
  });
  const added = (rerunFailed ? requeue(name, payload, { priority }) : enqueue(name, payload, { priority })).then(
    () => "queued" as const,
    () => "deferred" as const,
  );
  try {
    return await Promise.race([added, gaveUp]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Makes sure the work runs (again) for a row that is still pending: adds its job when there is none (Redis lost
 * it, or the enqueue after the commit never happened), and retries it when it failed for good, since its id is
 * derived from the business key and a failed job kept under that id would otherwise swallow every later enqueue.
 * A job that is waiting, delayed, running or done is left alone. Handlers are idempotent, so a rerun is safe.
 */
export async function requeue<N extends JobName>(name: N, payload: JobPayload<N>, priority: Priority = {}): Promise<"added" | "retried" | "pending"> {
  const { queue, jobId, add } = jobFor(name, payload);
  const existing = await queue.getJob(jobId);
  if (!existing) {
    await add(priority);
    return "added";
  }
  if (!(await existing.isFailed())) return "pending";
  try {
    await existing.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    return "retried";
  } catch {
    // Someone else retried or removed it in between: it is pending again either way.
    return "pending";
  }
}

/**
 * The queue's longest-waiting job, or undefined. BullMQ keeps jobs with a priority (receipts, ADR 0115) in a list of
 * their own, so the first of each list is read and the older one taken.
 */
export async function oldestWaitingJob(name: QueueName) {
  const firsts = await getQueue(name).getJobs(["waiting", "prioritized"], 0, 0, true);
  return firsts.filter(Boolean).reduce<(typeof firsts)[number] | undefined>((oldest, job) => (!oldest || job.timestamp < oldest.timestamp ? job : oldest), undefined);
}

/** Closes every queue this process opened, and their connection; a later `getQueue` opens a new one. */
export async function closeQueues() {
  await Promise.all([...queues.values()].map((queue) => queue.close()));
  queues.clear();
  const opened = connection;
  connection = undefined;
  if (opened) await closeRedis(opened);
}
