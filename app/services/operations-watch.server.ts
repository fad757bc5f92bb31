import { queueNames } from "~/jobs/catalog";
import { oldestWaitingJob } from "~/jobs/queues.server";
import { getEnv } from "~/utils/env.server";
import { redis, redisKey } from "~/utils/redis.server";
import { raiseAlert } from "./alerts.server";
import { workersSeen } from "./worker-heartbeats.server";

/** Signature failures within one minute that count as a burst (a misconfigured secret, or someone probing the endpoint). */
export const SIGNATURE_FAILURE_BURST = 10;

/**
 * Counts a webhook whose signature did not verify; the burst's first crossing of the threshold in a minute raises one
 * alert. One refused delivery is normal noise (a scanner, a replayed request); ten a minute is not.
 */
export async function countSignatureFailure(reason: string, now = Date.now()) {
  const minute = Math.floor(now / 60_000);
  const key = redisKey("webhook-signature-failures", minute);
  const [[, count]] = (await redis.multi().incr(key).expire(key, 120).exec()) as [[null, number], [null, number]];
  if (count !== SIGNATURE_FAILURE_BURST) return;
  await raiseAlert({
    kind: "webhook.signature_failures",
    severity: "CRITICAL",
    message: `${SIGNATURE_FAILURE_BURST} Stripe webhook deliveries in one minute failed signature verification (last reason: ${reason}). Check that STRIPE_WEBHOOK_SECRET matches the endpoint's signing secret in the Stripe dashboard; until it does, payments are not recorded.`,
    context: { minute: new Date(minute * 60_000).toISOString(), reason },
    dedupeKey: `webhook-signature-failures:${minute}`,
  });
}

/**
 * Housekeeping's look at the machinery (every minute, from any live worker): a worker whose heartbeat went stale, and
 * a queue whose oldest waiting job has waited longer than QUEUE_WAIT_ALERT_SECONDS, each raise an alert once.
 */
export async function watchOperations(now = Date.now()) {
  const env = getEnv();
  const raised: string[] = [];
  for (const worker of await workersSeen(now)) {
    if (!worker.stale) continue;
    const { created } = await raiseAlert({
      kind: "worker.stale",
      severity: "CRITICAL",
      message: `Worker ${worker.host} (pid ${worker.pid}) has not reported for ${worker.ageSeconds} s: it was killed or hangs. Its running jobs are picked up by other workers; start a new one if none is left.`,
      context: { worker: worker.id, lastBeat: worker.at, queues: worker.queues.join(", ") },
      dedupeKey: `worker-stale:${worker.id}:${worker.startedAt}`,
    });
    if (created) raised.push(`worker.stale:${worker.id}`);
  }
  const hour = Math.floor(now / 3_600_000);
  for (const queue of queueNames) {
    const oldest = await oldestWaitingJob(queue);
    const waitedSeconds = oldest ? Math.round((now - oldest.timestamp) / 1000) : 0;
    if (waitedSeconds <= env.QUEUE_WAIT_ALERT_SECONDS) continue;
    const { created } = await raiseAlert({
      kind: "queue.backlog",
      severity: queue === "stripe" || queue === "refunds" ? "CRITICAL" : "WARNING",
      message: `The oldest job waiting in the ${queue} queue has waited ${waitedSeconds} s (threshold ${env.QUEUE_WAIT_ALERT_SECONDS} s): workers are missing, stuck or too few for the load.${queue === "email" ? ` Emails also wait their turn at EMAIL_SENDS_PER_SECOND (${env.EMAIL_SENDS_PER_SECOND} a second): after a rush of payments its receipts take a while.` : ""}`,
      context: { queue, oldestJob: oldest?.id ?? "", waitedSeconds },
      dedupeKey: `queue-backlog:${queue}:${hour}`,
    });
    if (created) raised.push(`queue.backlog:${queue}`);
  }
  return raised;
}
