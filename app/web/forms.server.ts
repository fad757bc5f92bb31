import type { Submission } from "@conform-to/react";
import { data, redirect } from "@remix-run/node";
import { NotFoundError, RuleViolationError } from "~/services/errors.server";
import { RateLimitError } from "~/services/rate-limit.server";

/** The `Retry-After` header for a rate-limited reply (none for other errors). */
export function retryAfter(error: Error): HeadersInit | undefined {
  return error instanceof RateLimitError ? { "Retry-After": String(error.retryAfterSeconds) } : undefined;
}

/**
 * The usual end of a form action: a 400 with the field errors when the input is invalid; otherwise run
 * the service and redirect. A service's rule violation comes back next to the blamed field (or above the
 * form for `field: "form"`) with a 400; a missing record becomes a 404; anything else is a bug and throws.
 * `intent` tells the page which of its forms the reply belongs to.
 */
export async function submitToService<Input, Output, Intent extends string>(
  intent: Intent,
  submission: Submission<Input, string[], Output>,
  work: (value: Output) => Promise<unknown>,
  redirectTo: string,
) {
  if (submission.status !== "success") return data({ intent, result: submission.reply() }, { status: 400 });
  try {
    await work(submission.value);
  } catch (error) {
    if (error instanceof NotFoundError) throw new Response(error.message, { status: 404 });
    if (!(error instanceof RuleViolationError)) throw error;
    const result = submission.reply(error.field === "form" ? { formErrors: [error.message] } : { fieldErrors: { [error.field]: [error.message] } });
    return data({ intent, result }, { status: 400 });
  }
  return redirect(redirectTo);
}
