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
  const asked = error instanceof RetryLaterError || error?.name === "RetryLaterError" ? (error as RetryLaterError).retryAfterMs : 0;
  return Math.max(exponential, asked);
}

/** Seconds or an HTTP date, as `Retry-After` carries them; null when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()) {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
