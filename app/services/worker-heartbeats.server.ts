import { getEnv } from "~/utils/env.server";
import { redis, redisKey } from "~/utils/redis.server";

/** What a worker writes to its heartbeat key every 10 s (worker/worker.ts). */
/** `concurrency`: jobs at once per queue, except the stripe queue's (`stripeConcurrency`, absent from older workers). */
export type WorkerHeartbeat = { id: string; host: string; pid: number; queues: string[]; concurrency: number; stripeConcurrency?: number; startedAt: string; at: string };

/** Where a worker's heartbeat lives; it expires an hour after the last beat, so a dead worker stays visible as stale. */
export function heartbeatKey(workerId: string) {
  return redisKey("worker", workerId, "heartbeat");
}

/** Every worker that beat in the last hour, newest beat first, each flagged stale when its beat is older than WORKER_STALE_SECONDS. */
export async function workersSeen(now = Date.now()) {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", heartbeatKey("*"), "COUNT", 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  const values = keys.length ? await redis.mget(...keys) : [];
  const staleAfterMs = getEnv().WORKER_STALE_SECONDS * 1000;
  return values
    .flatMap((value) => {
      if (!value) return [];
      try {
        const beat = JSON.parse(value) as WorkerHeartbeat;
        const ageSeconds = Math.max(0, Math.round((now - Date.parse(beat.at)) / 1000));
        return [{ ...beat, ageSeconds, stale: ageSeconds * 1000 > staleAfterMs }];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.ageSeconds - b.ageSeconds);
}

