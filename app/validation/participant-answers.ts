import type { QuestionKind, StandardField } from "@prisma/client";
import { z } from "zod";

export const GENDER_OPTIONS = ["Female", "Male", "Non-binary", "Prefer not to say"] as const;
export const TSHIRT_SIZES = ["XS", "S", "M", "L", "XL", "XXL"] as const;

/** A race's custom question as the participant form needs it; archived ones are not asked. */
export type ParticipantQuestion = {
  id: string;
  label: string;
  kind: QuestionKind;
  options: readonly string[];
  required: boolean;
  archivedAt?: Date | string | null;
};

/** A validated participant form, shaped like the Participant columns (answers keyed by question id). */
export type ParticipantAnswers = {
  firstName: string;
  lastName: string;
  email: string;
  dateOfBirth?: Date;
  gender?: string;
  emergencyName?: string;
  emergencyPhone?: string;
  club?: string;
  tshirtSize?: string;
  answers: Record<string, string | boolean>;
};

/** What the participant form submits (every field a string, ticked boxes "on"). */
export type ParticipantFormInput = {
  firstName?: string;
  lastName?: string;
  email?: string;
  dateOfBirth?: string;
  gender?: string;
  emergencyName?: string;
  emergencyPhone?: string;
  club?: string;
  tshirtSize?: string;
  answers?: Record<string, string | boolean | undefined>;
};

function requiredText(missing: string, max: number) {
  return z.string({ required_error: missing, invalid_type_error: missing }).trim().min(1, missing).max(max, `Use at most ${max} characters`);
}

function oneOf(options: readonly string[], message: string) {
  return z.string({ required_error: message, invalid_type_error: message }).refine((value) => options.includes(value), message);
}

const dateOfBirth = z
  .string({ required_error: "Enter the date of birth", invalid_type_error: "Enter the date of birth" })
  .transform((text, ctx) => {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
    const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
    if (!date || date.toISOString().slice(0, 10) !== text.trim()) {
      ctx.addIssue({ code: "custom", message: "Enter the date of birth as a date, like 1990-04-23" });
      return z.NEVER;
    }
    if (date.getTime() > Date.now()) {
      ctx.addIssue({ code: "custom", message: "The date of birth can't be in the future" });
      return z.NEVER;
    }
    if (date.getUTCFullYear() < 1900) {
      ctx.addIssue({ code: "custom", message: "Check the year of birth" });
      return z.NEVER;
    }
    return date;
  });

const phone = requiredText("Enter the emergency contact's phone number", 30).refine(
  (text) => /^\+?[0-9][0-9 ()-]{5,}$/.test(text),
  "Enter a phone number, like +353 87 123 4567",
);

/** Checkboxes arrive as "on" from a form, or as booleans from JSON; absent means unticked. */
const ticked = z.preprocess((value) => value === true || value === "on" || value === "true", z.boolean());

/** An unanswered optional question: conform already drops empty fields; JSON callers may send "". */
function blankAsMissing(schema: z.ZodTypeAny) {
  return z.preprocess((value) => (value === "" ? undefined : value), schema);
}

function answerSchema(question: ParticipantQuestion): z.ZodTypeAny {
  const quoted = `“${question.label}”`;
  switch (question.kind) {
    case "TEXT": {
      const text = requiredText(`Answer ${quoted}`, 1000);
      return question.required ? text : blankAsMissing(z.string().trim().max(1000, "Use at most 1000 characters").optional().transform((value) => value || undefined));
    }
    case "CHOICE": {
      const choice = oneOf(question.options, `Choose one of the options for ${quoted}`);
      return question.required ? choice : blankAsMissing(choice.optional());
    }
    case "CHECKBOX":
      return question.required ? ticked.refine(Boolean, `Tick ${quoted} to continue`) : ticked;
  }
}

/**
 * The server-side (and client-side) schema of one participant's form for a race: name and email always,
 * the standard fields the organiser chose, and the race's active custom questions under `answers.<id>`.
 * Messages name the field or question, so they can be shown next to it.
 */
export function participantAnswersSchema(
  standardFields: readonly StandardField[],
  questions: readonly ParticipantQuestion[],
): z.ZodType<ParticipantAnswers, z.ZodTypeDef, ParticipantFormInput> {
  const asked = new Set(standardFields);
  const active = questions.filter((question) => !question.archivedAt);
  const answers = z.object(Object.fromEntries(active.map((question) => [question.id, answerSchema(question)]))).default({});
  return z
    .object({
      firstName: requiredText("Enter the participant's first name", 100),
      lastName: requiredText("Enter the participant's last name", 100),
      email: z
        .string({ required_error: "Enter the participant's email address" })
        .trim()
        .toLowerCase()
        .email("Enter a valid email address, like name@example.com")
        .max(254, "That email address is too long"),
      ...(asked.has("DATE_OF_BIRTH") ? { dateOfBirth } : {}),
      ...(asked.has("GENDER") ? { gender: oneOf(GENDER_OPTIONS, "Choose a gender, or “Prefer not to say”") } : {}),
      ...(asked.has("EMERGENCY_CONTACT")
        ? { emergencyName: requiredText("Enter the name of an emergency contact", 100), emergencyPhone: phone }
        : {}),
      ...(asked.has("CLUB") ? { club: z.string().trim().max(100, "Use at most 100 characters").optional() } : {}),
      ...(asked.has("TSHIRT_SIZE") ? { tshirtSize: oneOf(TSHIRT_SIZES, "Choose a T-shirt size") } : {}),
      answers,
    })
    .transform(({ answers: given, ...fields }) => ({
      ...fields,
      club: fields.club || undefined,
      answers: Object.fromEntries(Object.entries(given as Record<string, string | boolean | undefined>).filter(([, value]) => value !== undefined)) as Record<
        string,
        string | boolean
      >,
    })) as z.ZodType<ParticipantAnswers, z.ZodTypeDef, ParticipantFormInput>;
}
