import { InsufficientCreditsError } from "~/services/credits.server";
import { AiAccessError, AiNotConfiguredError, AiRateLimitedError } from "~/services/ai-jobs.server";
import { NotFoundError, RuleViolationError } from "~/services/errors.server";

/** The status and message a user sees when an AI job could not be started; null for a bug (rethrow it). */
export function aiRequestRefusal(error: unknown): { status: number; error: string; field?: string; headers?: Record<string, string> } | null {
  if (error instanceof AiNotConfiguredError) return { status: 503, error: error.message };
  if (error instanceof InsufficientCreditsError) return { status: 402, error: error.message };
  if (error instanceof AiRateLimitedError) return { status: 429, error: error.message, headers: { "Retry-After": String(error.retryAfterSeconds) } };
  if (error instanceof AiAccessError) return { status: 403, error: error.message };
  if (error instanceof NotFoundError) return { status: 404, error: error.message };
  if (error instanceof RuleViolationError) return { status: 400, error: error.message, field: error.field };
  return null;
}
