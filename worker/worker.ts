import { createServer } from "node:http";
import { hostname } from "node:os";
import { UnrecoverableError, Worker, type Job } from "bullmq";
import { jobCatalog, queueNames, repeatableJobs, type JobName, type QueueName } from "~/jobs/catalog";
import { handlers } from "~/jobs/handlers/index.server";
import { bullPrefix, closeQueues, enqueue, getQueue } from "~/jobs/queues.server";
import { backoffDelay } from "~/jobs/retry";
import { subscriptions } from "~/realtime/pubsub.server";
import { failedByStalling, reportJobFailure } from "~/services/job-failures.server";
import { db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { createLogger } from "~/utils/logger.server";
import { createRedisConnection, redis, redisKey } from "~/utils/redis.server";

const env = getEnv();
const workerId = `${hostname()}-${process.pid}`;
const log = createLogger({ process: "worker", worker: workerId });

async function processJob(job: Job) {
  const name = job.name as JobName;
  const definition = jobCatalog[name];
  if (!definition) throw new UnrecoverableError(`unknown job ${job.name}`);
  const payload = definition.payload.safeParse(job.data);
  if (!payload.success) throw new UnrecoverableError(`invalid payload for ${name}: ${payload.error.message}`);
  const handler = handlers[name] as { run: (p: unknown) => Promise<unknown> };
  return handler.run(payload.data);
}

function isFinalFailure(job: Job, error: Error) {
  return error instanceof UnrecoverableError || error.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? 1);
}

async function onFailed(queue: QueueName, job: Job, error: Error) {
  const final = isFinalFailure(job, error);
  log[final ? "error" : "warn"]("job failed", { queue, job: job.name, jobId: job.id, attempt: job.attemptsMade, final, error });
  if (!final) return;
  // Workers that died while running the job are not a failure of the work: its final-failure hook (refund the AI
  // job, mark the email failed) does not run, the work stays pending in Postgres and housekeeping queues it again.
  const handler = handlers[job.name as JobName] as { onFinalFailure?: (p: unknown, e: Error) => Promise<unknown> } | undefined;
  if (handler?.onFinalFailure && !failedByStalling(error)) await handler.onFinalFailure(job.data, error);
  await reportJobFailure({ queue, name: job.name, jobId: job.id ?? "?", attempts: job.attemptsMade, error });
}

const workers = queueNames.map((queue: QueueName) => {
  const worker = new Worker(queue, processJob, {
    connection: createRedisConnection(`worker:${queue}`),
    prefix: bullPrefix(),
    concurrency: env.WORKER_CONCURRENCY,
    settings: { backoffStrategy: backoffDelay },
  });
  worker.on("active", (job) => log.info("job started", { queue, job: job.name, jobId: job.id, attempt: job.attemptsMade + 1 }));
  worker.on("completed", (job, result) => log.info("job completed", { queue, job: job.name, jobId: job.id, result }));
  worker.on("failed", (job, error) => {
    if (job) onFailed(queue, job, error).catch((hookError: unknown) => log.error("final-failure handling failed", { job: job.name, jobId: job.id, error: hookError }));
  });
  worker.on("error", (error) => log.error("worker error", { queue, error }));
  return worker;
});

/**
 * Recovery that needs no restart (docs/decisions/0030-recovery-without-restarts.md): at boot, whenever the
 * connection to Redis comes back, and whenever Redis turns out to have lost its data (the marker key is gone), the
 * repeatable jobs are registered again and a catch-up sweep queues every piece of work still pending in Postgres.
 */
const recoveryMarker = redisKey("worker", "recovery-marker");
let lastRecovery = 0;
async function recover(reason: string) {
  if (Date.now() - lastRecovery < 5_000) return;
  lastRecovery = Date.now();
  for (const { name, everyMs } of repeatableJobs) {
    const definition = jobCatalog[name];
    await getQueue(definition.queue).upsertJobScheduler(name, { every: everyMs }, { name, data: {}, opts: definition.options });
  }
  await enqueue("housekeeping.sweep", { catchUpAt: new Date().toISOString() });
  await redis.set(recoveryMarker, workerId);
  log.info("repeatable jobs registered, catch-up sweep queued", { reason });
}
await recover("worker started");
let redisWasDown = false;
redis.on("close", () => {
  redisWasDown = true;
});
redis.on("ready", () => {
  if (!redisWasDown) return;
  redisWasDown = false;
  recover("Redis is back").catch((error: unknown) => log.error("recovery after reconnecting failed", { error }));
});

/** Operators (and /readyz-style probes) see live workers through a key that expires unless renewed. */
const heartbeatKey = redisKey("worker", workerId, "heartbeat");
async function beat() {
  await redis.set(heartbeatKey, JSON.stringify({ at: new Date().toISOString(), queues: queueNames }), "EX", 30);
  if (!(await redis.exists(recoveryMarker))) await recover("Redis lost its data");
}
await beat();
const heartbeat = setInterval(() => void beat().catch((error: unknown) => log.warn("heartbeat failed", { error })), 10_000);

const healthServer = env.WORKER_HEALTH_PORT !== undefined
  ? createServer((_req, res) => {
      const running = workers.every((worker) => worker.isRunning());
      res.writeHead(running ? 200 : 503, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ status: running ? "ok" : "stopped", worker: workerId, queues: queueNames }));
    })
  : undefined;
if (healthServer) await new Promise<void>((resolve) => healthServer.listen(env.WORKER_HEALTH_PORT, resolve));
const healthAddress = healthServer?.address();
const healthPort = typeof healthAddress === "object" && healthAddress ? healthAddress.port : undefined;

log.info("worker ready", { queues: queueNames, concurrency: env.WORKER_CONCURRENCY, prefix: bullPrefix(), healthPort });

let shuttingDown = false;
async function shutdown(signal: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  log.info("worker shutting down: finishing running jobs", { signal });
  clearInterval(heartbeat);
  healthServer?.close();
  // Worker.close() waits for the jobs in progress to finish before resolving.
  await Promise.allSettled(workers.map((worker) => worker.close()));
  await redis.del(heartbeatKey).catch(() => undefined);
  await Promise.allSettled([closeQueues(), subscriptions.close(), db.$disconnect()]);
  await redis.quit().catch(() => undefined);
  log.info("worker stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
