import type { Express } from "express";
import { db } from "~/utils/db.server";
import { redis } from "~/utils/redis.server";

async function probe(check: () => Promise<unknown>, timeoutMs = 2_000) {
  const started = Date.now();
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    return { ok: true, ms: Date.now() - started };
  } catch (error) {
    return { ok: false, ms: Date.now() - started, error: error instanceof Error ? error.message : String(error) };
  }
}

/** /healthz: the process answers. /readyz: it can serve, i.e. Postgres and Redis both answer. */
export function mountHealth(app: Express) {
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok", uptimeSeconds: Math.round(process.uptime()) });
  });
  app.get("/readyz", async (_req, res) => {
    const [postgres, redisCheck] = await Promise.all([probe(() => db.$queryRaw`SELECT 1`), probe(() => redis.ping())]);
    const ready = postgres.ok && redisCheck.ok;
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unavailable", checks: { postgres, redis: redisCheck } });
  });
}
