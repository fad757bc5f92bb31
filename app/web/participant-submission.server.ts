import type { SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { StandardField } from "@prisma/client";
import { data } from "@remix-run/node";
import { CheckoutError, saveParticipant } from "~/services/checkout.server";
import type { ParticipantQuestion } from "~/validation/participant-answers";
import { participantFormSchema } from "~/validation/checkout";
import { clientIp } from "./request.server";

export type ParticipantReply = { intent: string; ticketId?: string; result?: SubmissionResult<string[]>; error?: string };

/**
 * The participant form's action, shared by the buyer's checkout page and an assignee's own page: parse
 * with the race's form schema, save with the signer's IP and user agent, and put service errors next to
 * their field.
 */
export async function submitParticipant({
  request,
  formData,
  orderId,
  userId,
  race,
}: {
  request: Request;
  formData: FormData;
  orderId: string;
  userId: string;
  race: { standardFields: StandardField[]; questions: ParticipantQuestion[] };
}) {
  const intent = "participant";
  const schema = participantFormSchema(race.standardFields, race.questions);
  const submission = parseWithZod(formData, { schema });
  const ticketId = String(formData.get("ticketId") ?? "");
  if (submission.status !== "success") return data<ParticipantReply>({ intent, ticketId, result: submission.reply() }, { status: 400 });
  try {
    await saveParticipant({
      orderId,
      userId,
      ticketId,
      participant: submission.value.participant,
      signedName: submission.value.signedName,
      guardianName: submission.value.guardianName,
      ip: clientIp(request),
      userAgent: request.headers.get("User-Agent"),
    });
  } catch (error) {
    if (!(error instanceof CheckoutError)) throw error;
    const field = error.field === "form" ? undefined : error.field === "dateOfBirth" ? "participant.dateOfBirth" : error.field;
    const result = submission.reply(field ? { fieldErrors: { [field]: [error.message] } } : { formErrors: [error.message] });
    return data<ParticipantReply>({ intent, ticketId, result }, { status: error.status });
  }
  return data<ParticipantReply>({ intent, ticketId, result: submission.reply({ resetForm: false }) });
}
