import { z } from "zod";

/** What each AI job costs in credits: the one list the service debits and every page shows. */
export const aiJobCosts = {
  RACE_DESCRIPTION: 5,
  WAIVER_SUMMARY: 3,
  RACE_QUESTION: 1,
} as const;

export type AiJobKindName = keyof typeof aiJobCosts;

export const AI_NOT_CONFIGURED = "AI help is not configured on this installation.";

export const raceDescriptionInput = z.object({
  bullets: z
    .string({ required_error: "Write a few bullet points about the race" })
    .trim()
    .min(10, "Write a few bullet points about the race (at least 10 characters)")
    .max(4_000, "Keep the bullet points under 4,000 characters"),
});

export const waiverSummaryInput = z.object({});

export const raceQuestionInput = z.object({
  question: z
    .string({ required_error: "Type your question" })
    .trim()
    .min(3, "Type your question")
    .max(500, "Keep the question under 500 characters"),
});

/** The one form that starts an AI job: its kind, the race it is about, and the kind's own input. */
export const aiJobRequestSchema = z.discriminatedUnion("kind", [
  raceDescriptionInput.extend({ kind: z.literal("RACE_DESCRIPTION"), raceId: z.string().min(1) }),
  waiverSummaryInput.extend({ kind: z.literal("WAIVER_SUMMARY"), raceId: z.string().min(1) }),
  raceQuestionInput.extend({ kind: z.literal("RACE_QUESTION"), raceId: z.string().min(1) }),
]);

export type AiJobRequest = z.infer<typeof aiJobRequestSchema>;

/** What a live AI job view shows. */
export type AiJobView = {
  id: string;
  kind: AiJobKindName;
  status: "QUEUED" | "RUNNING" | "STREAMING" | "DONE" | "FAILED";
  cost: number;
  result: string;
  error: string | null;
  raceId: string | null;
  createdAt: string;
  finishedAt: string | null;
};
