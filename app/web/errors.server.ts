import type { Submission, SubmissionResult } from "@conform-to/react";
import { data } from "@remix-run/node";
import { isDomainError } from "~/lib/errors";

/** What an action answers when a service refused: the message, the field it blames and where to go next. */
export type ErrorReply<Intent extends string | null = null> = {
  /** Which of the page's forms the reply belongs to. */
  intent: Intent;
  error: string;
  /** The form field to blame, as the form names it; "form" for the form as a whole. */
  field: string | null;
  href: string | null;
  /** Given a conform submission: its reply with the message next to the field (or above the form). */
  result?: SubmissionResult<string[]>;
};

type Reply<T> = ReturnType<typeof data<T>>;

type FormSubmission = Pick<Submission<unknown>, "reply">;

type ReplyOptions<Intent extends string | null> = {
  intent?: Intent;
  submission?: FormSubmission;
  /** Fields the form names differently from the service's input: service's name → form's name. */
  fieldNames?: Record<string, string>;
  /** Fields whose value is not sent back (passwords). */
  hideFields?: string[];
};

/**
 * The one place a domain error becomes an HTTP answer, with the status of its kind (`httpStatusOf`):
 * - a not-found or forbidden error that blames no field is about the page itself: a 404/403 is thrown;
 * - any other domain error is the form's to show: `data(ErrorReply, { status })`, with `Retry-After`
 *   when the service said when to try again;
 * - anything else, and a job's permanent failure, is a bug: rethrown.
 * A loader has no form to show a reply on: `throw replyToError(error)` makes every domain error a page.
 */
export function replyToError<Intent extends string | null = null>(
  error: unknown,
  options: ReplyOptions<Intent> & { submission: FormSubmission },
): Reply<ErrorReply<Intent> & { result: SubmissionResult<string[]> }>;
export function replyToError<Intent extends string | null = null>(error: unknown, options?: ReplyOptions<Intent>): Reply<ErrorReply<Intent>>;
export function replyToError<Intent extends string | null = null>(error: unknown, options: ReplyOptions<Intent> = {}): Reply<ErrorReply<Intent>> {
  if (!isDomainError(error) || error.kind === "permanent") throw error;
  if ((error.kind === "not_found" || error.kind === "forbidden") && error.field === null) {
    throw new Response(error.message, { status: error.status });
  }
  const field = error.field === null ? null : (options.fieldNames?.[error.field] ?? error.field);
  const { submission, hideFields } = options;
  const result = submission?.reply(
    field === null || field === "form" ? { formErrors: [error.message], hideFields } : { fieldErrors: { [field]: [error.message] }, hideFields },
  );
  const reply: ErrorReply<Intent> = { intent: (options.intent ?? null) as Intent, error: error.message, field, href: error.href, ...(result ? { result } : {}) };
  const headers = error.retryAfterSeconds === null ? undefined : { "Retry-After": String(error.retryAfterSeconds) };
  return data(reply, { status: error.status, headers });
}
