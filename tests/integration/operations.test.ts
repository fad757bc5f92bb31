import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { queueNames } from "~/jobs/catalog";
import { testEnv } from "../support/processes";
import { startWebForTest, startWorkerForTest } from "../support/stack";

function getJson(url: string) {
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    request(url, (res) => {
      let raw = "";
      res.on("data", (c) => (raw += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(raw) as Record<string, unknown> }));
    })
      .on("error", reject)
      .end();
  });
}

describe("health endpoints", () => {
  it("reports alive and ready when Postgres and Redis answer", async () => {
    const web = await startWebForTest();
    expect((await getJson(`${web.url}/healthz`)).status).toBe(200);
    const ready = await getJson(`${web.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: "ready", checks: { postgres: { ok: true }, redis: { ok: true } } });
  });

  it("answers 503 on /readyz, naming the failing dependency, when Redis is unreachable", async () => {
    const web = await startWebForTest({ REDIS_URL: "redis://127.0.0.1:9" });
    expect((await getJson(`${web.url}/healthz`)).status).toBe(200);
    const ready = await getJson(`${web.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: "unavailable", checks: { postgres: { ok: true }, redis: { ok: false } } });
  });

  it("exposes the worker's health on its own port", async () => {
    const worker = await startWorkerForTest({ WORKER_HEALTH_PORT: "0" });
    const ready = JSON.parse(worker.output.find((l) => l.includes("worker ready"))!) as { healthPort: number };
    const health = await getJson(`http://127.0.0.1:${ready.healthPort}/`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: "ok", queues: [...queueNames] });
  });
});

describe("configuration at boot", () => {
  for (const entry of ["server/index.ts", "worker/index.ts"]) {
    it(`${entry} stops with a message naming a malformed variable`, () => {
      const result = spawnSync(process.execPath, ["--import", "tsx", entry], {
        env: testEnv({ DATABASE_URL: "mysql://nope", REDIS_URL: "not a url" }),
        encoding: "utf8",
        timeout: 20_000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`[${entry.startsWith("server") ? "web" : "worker"}] Invalid configuration:`);
      expect(result.stderr).toContain("DATABASE_URL: must be a postgresql:// URL");
      expect(result.stderr).not.toContain("    at ");
      expect(result.stderr).toContain("REDIS_URL");
    });
  }

  it("refuses production without the secrets it needs", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "server/index.ts"], {
      env: testEnv({ DEMO_MODE: "false", APP_URL: "https://races.example.org", SESSION_SECRET: undefined }),
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("SESSION_SECRET: is required");
    expect(result.stderr).toContain("SMTP_URL: is required in production");
  });
});
