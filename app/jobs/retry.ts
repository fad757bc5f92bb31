import type { MinimalJob } from "bullmq";

/**
 * A transient failure that knows when trying again makes sense: a 429 or 503 with `Retry-After`, an SMTP server
 * asking to come back later, an email whose previous attempt may still hold its claim. The worker retries it no
 * sooner than `retryAfterMs` (and no sooner than the job's own backoff).
 */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
    this.name = "RetryLaterError";
  }
}

/** The catalog's backoff type for transient retries: exponential with jitter, never sooner than a `RetryLaterError` asks. */
export const BACKOFF_TYPE = "exponential-or-retry-after";

/** BullMQ's custom backoff strategy for `BACKOFF_TYPE` (registered on every Worker). */
export function backoffDelay(attemptsMade: number, _type: string | undefined, error: Error | undefined, job: MinimalJob | undefined) {
  const backoff = job?.opts.backoff;
  const { delay = 1_000, jitter = 0 } = typeof backoff === "object" ? backoff : { delay: backoff };
  const ceiling = Math.round(2 ** Math.max(0, attemptsMade - 1) * delay);
  const exponential = Math.floor(ceiling * (1 - jitter) + Math.random() * ceiling * jitter);
  return Math.max(exponential, askedToWaitMs(error));
}

/**
 * How long the failure asked us to wait: a `RetryLaterError`'s own figure, or the `Retry-After` an HTTP API answered
 * with, as SDK errors carry it (Stripe's in a plain `headers` object, OpenAI's and fetch's in `Headers`). Stripe's SDK
 * does not retry a 429 itself, so without this its `Retry-After` would be ignored (docs/decisions/0042).
 */
export function askedToWaitMs(error: Error | undefined) {
  if (error instanceof RetryLaterError || error?.name === "RetryLaterError") return (error as RetryLaterError).retryAfterMs;
  const headers = (error as { headers?: unknown } | undefined)?.headers;
  const header =
    headers instanceof Headers ? headers.get("retry-after") : typeof headers === "object" && headers !== null ? (headers as Record<string, unknown>)["retry-after"] : undefined;
  return (typeof header === "string" ? retryAfterMs(header) : null) ?? 0;
}

/** Seconds or an HTTP date, as `Retry-After` carries them; null when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()) {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
