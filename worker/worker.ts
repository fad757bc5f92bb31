import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { hostname } from "node:os";
import { MetricsTime, UnrecoverableError, Worker, type Job } from "bullmq";
import { Gauge } from "prom-client";
import { jobCatalog, queueNames, repeatableJobs, type JobName, type QueueName } from "~/jobs/catalog";
import { handlers } from "~/jobs/handlers/index.server";
import { bullPrefix, closeQueues, enqueue, getQueue } from "~/jobs/queues.server";
import { backoffDelay } from "~/jobs/retry";
import { isDomainError } from "~/lib/errors";
import { throttle } from "~/lib/throttle";
import { heartbeatKey as heartbeatKeyOf, type WorkerHeartbeat } from "~/services/worker-heartbeats.server";
import { channels } from "~/realtime/channels";
import { publish, subscriptions } from "~/realtime/pubsub.server";
import { failedByStalling, recordRecoveredJob, reportJobFailure } from "~/services/job-failures.server";
import { db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { createLogger, withLogContext } from "~/utils/logger.server";
import { mayScrape, metrics } from "~/utils/metrics.server";
import { closeRedis, createRedisConnection, redis, redisKey } from "~/utils/redis.server";

const workerId = `${hostname()}-${process.pid}`;
const log = createLogger({ process: "worker", worker: workerId });

async function processJob(job: Job) {
  const name = job.name as JobName;
  const definition = jobCatalog[name];
  if (!definition) throw new UnrecoverableError(`unknown job ${job.name}`);
  const payload = definition.payload.safeParse(job.data);
  if (!payload.success) throw new UnrecoverableError(`invalid payload for ${name}: ${payload.error.message}`);
  const handler = handlers[name] as { run: (p: unknown) => Promise<unknown> };
  // Every line the job writes carries its id, and a payment's Stripe event id, as the webhook's line did.
  const eventId = (payload.data as { eventId?: unknown }).eventId;
  try {
    return await withLogContext({ jobId: job.id, ...(typeof eventId === "string" ? { eventId } : {}) }, () => handler.run(payload.data));
  } catch (error) {
    throw unrecoverableIfPermanent(error);
  }
}

/** The one place a service's permanent failure becomes BullMQ's "do not retry" (the stack stays the service's). */
function unrecoverableIfPermanent(error: unknown) {
  if (!isDomainError(error, "permanent")) return error;
  const unrecoverable = new UnrecoverableError(error.message);
  unrecoverable.stack = error.stack;
  unrecoverable.cause = error;
  return unrecoverable;
}

function isFinalFailure(job: Job, error: Error) {
  return error instanceof UnrecoverableError || error.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? 1);
}

async function onFailed(queue: QueueName, job: Job, error: Error) {
  const final = isFinalFailure(job, error);
  log[final ? "error" : "warn"]("job failed", { queue, job: job.name, jobId: job.id, attempt: job.attemptsMade, final, error });
  if (!final) return;
  metrics.jobsFailedForGood.inc({ queue, job: job.name });
  // Workers that died while running the job are not a failure of the work: its final-failure hook (refund the AI
  // job, mark the email failed) does not run, the work stays pending in Postgres and housekeeping queues it again.
  const handler = handlers[job.name as JobName] as { onFinalFailure?: (p: unknown, e: Error) => Promise<unknown> } | undefined;
  if (handler?.onFinalFailure && !failedByStalling(error)) await handler.onFinalFailure(job.data, error);
  await reportJobFailure({ queue, name: job.name, jobId: job.id ?? "?", attempts: job.attemptsMade, error });
}

/** Queue depth, read when scraped. */
new Gauge({
  name: "startline_queue_jobs",
  help: "Jobs per queue and state, read from Redis when scraped",
  labelNames: ["queue", "state"] as const,
  registers: [metrics.registry],
  async collect() {
    for (const queue of queueNames) {
      const counts = await getQueue(queue).getJobCounts("waiting", "active", "delayed", "failed", "completed", "prioritized");
      for (const [state, count] of Object.entries(counts)) this.set({ queue, state }, count);
    }
  },
});

/** /metrics on the health port, for the same callers as the web process's (see `mayScrape`). */
async function serveMetrics(req: IncomingMessage, res: ServerResponse) {
  if (!mayScrape({ authorization: req.headers.authorization, remoteAddress: req.socket.remoteAddress, token: getEnv().METRICS_TOKEN })) {
    res.writeHead(404, { "Content-Type": "text/plain" }).end("Not found");
    return;
  }
  try {
    const body = await metrics.registry.metrics();
    res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(body);
  } catch (error) {
    log.error("metrics failed", { error });
    res.writeHead(500, { "Content-Type": "text/plain" }).end("metrics unavailable");
  }
}

/**
 * Recovery that needs no restart (docs/decisions/0030-recovery-without-restarts.md): at boot, whenever the
 * connection to Redis comes back, and whenever Redis turns out to have lost its data (the marker key is gone), the
 * repeatable jobs are registered again and a catch-up sweep queues every piece of work still pending in Postgres.
 */
function recoveryWatch() {
  const marker = redisKey("worker", "recovery-marker");
  let last = 0;
  const recover = async (reason: string) => {
    if (Date.now() - last < 5_000) return;
    last = Date.now();
    for (const { name, everyMs } of repeatableJobs) {
      const definition = jobCatalog[name];
      await getQueue(definition.queue).upsertJobScheduler(name, { every: everyMs }, { name, data: {}, opts: definition.options });
    }
    await enqueue("housekeeping.sweep", { catchUpAt: new Date().toISOString() });
    await redis.set(marker, workerId);
    log.info("repeatable jobs registered, catch-up sweep queued", { reason });
  };
  let wasDown = false;
  const onClose = () => {
    wasDown = true;
  };
  const onReady = () => {
    if (!wasDown) return;
    wasDown = false;
    recover("Redis is back").catch((error: unknown) => log.error("recovery after reconnecting failed", { error }));
  };
  redis.on("close", onClose);
  redis.on("ready", onReady);
  return {
    recover,
    /** Redis answers but no longer has the marker: it restarted empty (or was flushed) without us noticing a disconnect. */
    async check() {
      if (!(await redis.exists(marker))) await recover("Redis lost its data");
    },
    stop() {
      redis.off("close", onClose);
      redis.off("ready", onReady);
    },
  };
}

const scheduledJobs = new Set<string>(repeatableJobs.map((job) => job.name));

/** Whether a scheduled job's result counts a change (its handlers return counts of what they changed). */
function changedSomething(result: unknown): boolean {
  if (typeof result === "number") return result > 0;
  if (result && typeof result === "object") return Object.values(result).some(changedSomething);
  return false;
}

/**
 * The level of a job's log lines: scheduled jobs (the sweep every minute, admissions every second) log at debug
 * unless they changed something, so a quiet system writes a quiet log.
 */
function logFor(jobName: string, result?: unknown) {
  return scheduledJobs.has(jobName) && !changedSomething(result) ? log.debug : log.info;
}

/**
 * Starts this process's BullMQ workers, the repeatable jobs, the heartbeat and the optional health port.
 * Nothing connects before this is called; `close()` lets running jobs finish, then releases every
 * connection.
 */
export async function startWorker() {
  const env = getEnv();
  // The operator home re-reads its tiles when jobs finish: told at most once a second, however busy the queues.
  const jobsChanged = throttle(() => publish(channels.operators(), { type: "jobs.changed", at: new Date().toISOString() }), 1_000);
  const workers = queueNames.map((queue: QueueName) => {
    const worker = new Worker(queue, processJob, {
      connection: createRedisConnection(`worker:${queue}`),
      prefix: bullPrefix(),
      // Payments' events mostly wait on statements they share with the events running beside them (ADR 0115): the more
      // run at once, the more each statement carries, so that queue runs many more.
      concurrency: queue === "stripe" ? env.STRIPE_QUEUE_CONCURRENCY : env.WORKER_CONCURRENCY,
      // The mail server takes at most EMAIL_SENDS_PER_SECOND, counted in Redis across every worker (ADR 0115).
      ...(queue === "email" ? { limiter: { max: env.EMAIL_SENDS_PER_SECOND, duration: 1_000 } } : {}),
      settings: { backoffStrategy: backoffDelay },
      // Per-minute completion and failure counts for the operator home's "jobs per minute" and "last hour".
      metrics: { maxDataPoints: MetricsTime.ONE_HOUR * 2 },
    });
    worker.on("active", (job) => logFor(job.name)("job started", { queue, job: job.name, jobId: job.id, attempt: job.attemptsMade + 1 }));
    const timeJob = (job: Job, outcome: "completed" | "failed") => {
      if (job.processedOn && job.finishedOn) metrics.jobDuration.observe({ queue, job: job.name, outcome }, (job.finishedOn - job.processedOn) / 1000);
    };
    worker.on("completed", (job, result) => {
      logFor(job.name, result)("job completed", { queue, job: job.name, jobId: job.id, attempts: job.attemptsMade, result });
      timeJob(job, "completed");
      // `attemptsMade` counts this successful attempt too: more than one means it failed before and recovered on a retry.
      if (job.attemptsMade > 1) {
        metrics.jobsRecoveredAfterRetry.inc({ queue, job: job.name });
        recordRecoveredJob(queue, job.id ?? job.name).catch((error: unknown) => log.warn("could not count a recovered job", { queue, jobId: job.id, error }));
      }
      jobsChanged.request();
    });
    worker.on("failed", (job, error) => {
      jobsChanged.request();
      if (job) timeJob(job, "failed");
      if (job) onFailed(queue, job, error).catch((hookError: unknown) => log.error("final-failure handling failed", { job: job.name, jobId: job.id, error: hookError }));
    });
    worker.on("error", (error) => log.error("worker error", { queue, error }));
    return worker;
  });

  const recovery = recoveryWatch();
  await recovery.recover("worker started");

  /**
   * Operators (the operator home, /readyz) see live workers through a key renewed every 10 s. It outlives the worker
   * by an hour, so one that died without closing is shown stale (red) instead of vanishing.
   */
  const heartbeatKey = heartbeatKeyOf(workerId);
  const startedAt = new Date().toISOString();
  async function beat() {
    const heartbeat: WorkerHeartbeat = { id: workerId, host: hostname(), pid: process.pid, queues: [...queueNames], concurrency: env.WORKER_CONCURRENCY, stripeConcurrency: env.STRIPE_QUEUE_CONCURRENCY, startedAt, at: new Date().toISOString() };
    await redis.set(heartbeatKey, JSON.stringify(heartbeat), "EX", 3600);
    await recovery.check();
  }
  await beat();
  const heartbeat = setInterval(() => void beat().catch((error: unknown) => log.warn("heartbeat failed", { error })), 10_000);

  const healthServer = env.WORKER_HEALTH_PORT !== undefined
    ? createServer((req, res) => {
        if (req.url === "/metrics") return void serveMetrics(req, res);
        const running = workers.every((worker) => worker.isRunning());
        res.writeHead(running ? 200 : 503, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ status: running ? "ok" : "stopped", worker: workerId, queues: queueNames }));
      })
    : undefined;
  if (healthServer) await new Promise<void>((resolve) => healthServer.listen(env.WORKER_HEALTH_PORT, resolve));
  const healthAddress = healthServer?.address();
  const healthPort = typeof healthAddress === "object" && healthAddress ? healthAddress.port : undefined;

  log.info("worker ready", { queues: queueNames, concurrency: env.WORKER_CONCURRENCY, stripeConcurrency: env.STRIPE_QUEUE_CONCURRENCY, emailsPerSecond: env.EMAIL_SENDS_PER_SECOND, prefix: bullPrefix(), healthPort });

  let closing: Promise<void> | undefined;
  async function close() {
    log.info("worker shutting down: finishing running jobs");
    clearInterval(heartbeat);
    jobsChanged.cancel();
    recovery.stop();
    healthServer?.close();
    // Worker.close() waits for the jobs in progress to finish before resolving.
    await Promise.allSettled(workers.map((worker) => worker.close()));
    await redis.del(heartbeatKey).catch(() => undefined);
    await Promise.allSettled([closeQueues(), subscriptions.close(), db.$disconnect()]);
    await closeRedis();
    log.info("worker stopped");
  }
  return {
    close: () => (closing ??= close()),
  };
}
