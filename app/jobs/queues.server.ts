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
    connection ??= createRedisConnection("queues");
    queue = new Queue(name, { connection, prefix: bullPrefix() });
    queues.set(name, queue);
  }
  return queue;
}

/** Validates the payload against the catalog and enqueues with the job's derived id and options. */
export async function enqueue<N extends JobName>(name: N, payload: JobPayload<N>) {
  const definition = jobCatalog[name];
  const parsed = definition.payload.parse(payload);
  const jobId = (definition.jobId as (p: unknown) => string)(parsed);
  return getQueue(definition.queue).add(name, parsed, { ...definition.options, jobId });
}

/** Closes every queue this process opened, and their connection; a later `getQueue` opens a new one. */
export async function closeQueues() {
  await Promise.all([...queues.values()].map((queue) => queue.close()));
  queues.clear();
  const opened = connection;
  connection = undefined;
  if (opened) await closeRedis(opened);
}
