import type { QuestionKind, StandardField } from "@prisma/client";
import { z } from "zod";

/** The standard participant fields an organiser can ask for, in the order forms show them. */
export const STANDARD_FIELDS = ["DATE_OF_BIRTH", "GENDER", "EMERGENCY_CONTACT", "CLUB", "TSHIRT_SIZE"] as const satisfies readonly StandardField[];

export const standardFieldLabels: Record<StandardField, string> = {
  DATE_OF_BIRTH: "Date of birth",
  GENDER: "Gender",
  EMERGENCY_CONTACT: "Emergency contact (name and phone)",
  CLUB: "Club",
  TSHIRT_SIZE: "T-shirt size",
};

export const QUESTION_KINDS = ["TEXT", "CHOICE", "CHECKBOX"] as const satisfies readonly QuestionKind[];

export const questionKindLabels: Record<QuestionKind, string> = {
  TEXT: "Text answer",
  CHOICE: "Choice from a list",
  CHECKBOX: "Checkbox (yes / no)",
};

export const standardFieldsSchema = z.object({
  standardFields: z
    .array(z.enum(STANDARD_FIELDS, { errorMap: () => ({ message: "Choose only from the listed fields" }) }))
    .default([])
    .transform((fields) => STANDARD_FIELDS.filter((field) => fields.includes(field))),
});

/** A custom question; a choice lists its options one per line. */
export const questionSchema = z
  .object({
    // A default rather than required_error, so a missing label still lets the options be checked.
    label: z.string().trim().min(1, "Enter the question, like “Which wave do you want to start in?”").max(200, "Use at most 200 characters").default(""),
    kind: z.enum(QUESTION_KINDS, { errorMap: () => ({ message: "Choose the kind of answer" }) }),
    options: z
      .string()
      .default("")
      .transform((text) => [...new Set(text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean))]),
    required: z.boolean().default(false),
  })
  .superRefine((value, ctx) => {
    if (value.kind !== "CHOICE") return;
    if (value.options.length < 2) ctx.addIssue({ code: "custom", path: ["options"], message: "List at least two options, one per line" });
    if (value.options.length > 50) ctx.addIssue({ code: "custom", path: ["options"], message: "List at most 50 options" });
    if (value.options.some((option) => option.length > 100)) ctx.addIssue({ code: "custom", path: ["options"], message: "Keep each option under 100 characters" });
  })
  .transform((value) => ({ ...value, options: value.kind === "CHOICE" ? value.options : [] }));

export type QuestionInput = z.output<typeof questionSchema>;

export const moveQuestionSchema = z.object({
  questionId: z.string({ required_error: "Choose a question" }),
  direction: z.enum(["up", "down"]),
});

export const questionIdSchema = z.object({ questionId: z.string({ required_error: "Choose a question" }) });
