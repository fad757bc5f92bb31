import type { StandardField } from "@prisma/client";
import { z } from "zod";
import { participantAnswersSchema, type ParticipantQuestion } from "./participant-answers";

/** One ticket's form at checkout: the participant's details and their signature of the waiver. */
export function participantFormSchema(standardFields: readonly StandardField[], questions: readonly ParticipantQuestion[]) {
  return z.object({
    ticketId: z.string({ required_error: "Say which ticket this is for" }),
    participant: participantAnswersSchema(standardFields, questions),
    signedName: z
      .string({ required_error: "Type the participant's full name to sign the waiver" })
      .trim()
      .min(1, "Type the participant's full name to sign the waiver")
      .max(200),
    guardianName: z.string().trim().max(200, "Use at most 200 characters").optional(),
  });
}

export const discountCodeSchema = z.object({
  code: z.string({ required_error: "Enter a discount code" }).trim().min(1, "Enter a discount code").max(40, "That code is too long"),
});
