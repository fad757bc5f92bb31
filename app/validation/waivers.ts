import { z } from "zod";

/** Browsers send textarea line breaks as CRLF; one form makes the content hash stable. */
const normaliseLineBreaks = (value: string) => value.replace(/\r\n?/g, "\n");

export const waiverSchema = z.object({
  title: z
    .string({ required_error: "Give the waiver a title" })
    .trim()
    .min(1, "Give the waiver a title")
    .max(200, "Use at most 200 characters")
    .refine((title) => !/[\r\n]/.test(title), "Keep the title on one line"),
  text: z
    .string({ required_error: "Write the waiver text participants will sign" })
    .transform(normaliseLineBreaks)
    .pipe(z.string().trim().min(20, "Write at least 20 characters").max(50_000, "Use at most 50,000 characters")),
});

export type WaiverInput = z.infer<typeof waiverSchema>;

export const guardianAgeSchema = z.object({
  guardianUnderAge: z
    .number({ required_error: "Enter an age", invalid_type_error: "Enter an age in whole years" })
    .int("Enter an age in whole years")
    .min(0, "Enter 0 (no guardian needed) or more")
    .max(25, "Enter an age of at most 25"),
});
