import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { PermanentFailure } from "~/lib/errors";
import { RetryLaterError, retryAfterMs } from "~/jobs/retry";

/** A failure retrying cannot fix: the worker stops the job at once and the final-failure hook refunds. */
function permanent(message: string) {
  return new PermanentFailure(message);
}

/**
 * Sorts a failed model call into "retry" (a plain Error, which BullMQ retries with backoff) or "give up"
 * (PermanentFailure), each with a message a person can act on. `timedOut`: our own deadline fired.
 */
export function classifyAiFailure(error: unknown, timedOut: boolean, timeoutMs: number): Error {
  const seconds = Math.round(timeoutMs / 1000);
  if (timedOut) return new Error(`The AI service did not finish within ${seconds} seconds.`);
  if (error instanceof APIConnectionTimeoutError) return new Error(`The AI service did not answer within ${seconds} seconds.`);
  if (error instanceof APIConnectionError) return new Error("Could not reach the AI service.");
  if (error instanceof APIUserAbortError) return new Error("The call to the AI service was interrupted.");
  if (error instanceof APIError) {
    const status = error.status ?? 0;
    const code = (error as { code?: string | null }).code;
    if (status === 429 && code === "insufficient_quota") return permanent("The AI service's quota for this installation is used up.");
    if (status === 408 || status === 409 || status === 429 || status >= 500) {
      const message = `The AI service is busy or failing (HTTP ${status}).`;
      // It said when to come back: the retry waits at least that long.
      const wait = retryAfterMs(error.headers?.get("retry-after"));
      return wait === null ? new Error(message) : new RetryLaterError(message, wait);
    }
    if (status === 401) return permanent("The AI service rejected this installation's API key.");
    if (status === 403) return permanent("The AI service refused access for this installation.");
    if (status === 404) return permanent(`The AI model is not available: ${error.message}`);
    return permanent(`The AI service refused the request (HTTP ${status}): ${error.message}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
