import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { singleton } from "./singleton.server";

/**
 * This process's Prometheus metrics (web or worker), served at /metrics (server/metrics.ts, and the worker's health
 * port). Names start with `startline_`; labels stay few and bounded (a route pattern, never a raw URL).
 */
export const metrics = singleton("prometheus-metrics", () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "startline_" });
  return {
    registry,
    httpDuration: new Histogram({
      name: "startline_http_request_duration_seconds",
      help: "HTTP requests by method, route pattern and status class (live feeds excluded: they last as long as the page is open)",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    sseConnections: new Gauge({
      name: "startline_sse_connections",
      help: "Open live (SSE) connections by feed",
      labelNames: ["feed"] as const,
      registers: [registry],
    }),
    webhookDuration: new Histogram({
      name: "startline_webhook_stage_duration_seconds",
      help: "Stripe webhook handling by stage: verify (signature over the raw body) and record (inbox insert and enqueue)",
      labelNames: ["stage"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    fulfilmentBatchSize: new Histogram({
      name: "startline_fulfilment_batch_size",
      help: "Payments of one race written in one fulfilment transaction (ADR 0086)",
      buckets: [1, 2, 5, 10, 20, 50],
      registers: [registry],
    }),
    holdBatchSize: new Histogram({
      name: "startline_hold_batch_size",
      help: "Holds of one race taken in one transaction (ADR 0114)",
      buckets: [1, 2, 5, 10, 20, 50],
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: "startline_job_duration_seconds",
      help: "Background job runs by queue, job name and outcome (completed, failed)",
      labelNames: ["queue", "job", "outcome"] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    jobsFailedForGood: new Counter({
      name: "startline_jobs_failed_for_good_total",
      help: "Jobs that failed after their last retry, by queue and job name",
      labelNames: ["queue", "job"] as const,
      registers: [registry],
    }),
    jobsRecoveredAfterRetry: new Counter({
      name: "startline_jobs_recovered_after_retry_total",
      help: "Jobs that failed at least once and then completed on a retry, by queue and job name",
      labelNames: ["queue", "job"] as const,
      registers: [registry],
    }),
  };
});

const ID_LIKE = /^(?=.*\d)[A-Za-z0-9_-]{8,}$|^\d+$/;

/** How many observations a histogram without labels has had so far, and their sum (tests and benchmarks compare two readings). */
export async function observedSoFar(histogram: Histogram) {
  const { values } = await histogram.get();
  const total = (suffix: string) => values.find((v) => v.metricName?.endsWith(suffix))?.value ?? 0;
  return { count: total("_count"), sum: total("_sum") };
}

/**
 * A request path as a bounded label: ids become `:id` and the segment after `/races/` (a slug) becomes `:slug`, so
 * `/organiser/races/clx1…/participants` and every other race share one series.
 */
export function routePattern(path: string) {
  const segments = path.split("/").filter(Boolean).slice(0, 6);
  return `/${segments.map((segment, i) => (segments[i - 1] === "races" && i === 1 ? ":slug" : ID_LIKE.test(segment) ? ":id" : segment)).join("/")}`;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

/**
 * Who may scrape /metrics: with METRICS_TOKEN set, a caller presenting it as a bearer token; without it, only callers
 * on this machine (a Prometheus agent beside the process, or a port bound to an internal address).
 */
export function mayScrape({ authorization, remoteAddress, token }: { authorization: string | undefined; remoteAddress: string | undefined; token: string | undefined }) {
  if (token) return authorization === `Bearer ${token}`;
  return remoteAddress !== undefined && LOOPBACK.has(remoteAddress);
}
