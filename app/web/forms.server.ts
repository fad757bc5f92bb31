import type { Submission } from "@conform-to/react";
import { data, redirect } from "@remix-run/node";
import { replyToError } from "./errors.server";

/**
 * The usual end of a form action: a 400 with the field errors when the input is invalid; otherwise run
 * the service and redirect. What the service refuses is answered by `replyToError`. `intent` tells the
 * page which of its forms the reply belongs to.
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
    return replyToError(error, { intent, submission });
  }
  return redirect(redirectTo);
}
