import { z } from "zod";

const whole = (what: string, min: number, max: number) =>
  z.coerce
    .number({ invalid_type_error: `Enter ${what} as a whole number` })
    .int(`Enter ${what} as a whole number`)
    .min(min, `Use at least ${min}`)
    .max(max, `Use at most ${max}`);

/** The organiser's queue settings form; `opensAt` is local time in the race's time zone. */
export const queueSettingsSchema = z.object({
  enabled: z.preprocess((value) => value === "on" || value === "true", z.boolean()),
  opensAt: z.string({ required_error: "Choose when registration opens" }).regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/, "Choose a date and time"),
  preQueueMinutes: whole("the pre-queue window", 0, 24 * 60),
  admission: z.enum(["rate", "manual"], { errorMap: () => ({ message: "Choose how people are admitted" }) }),
  admitPerMinute: whole("the admission rate", 1, 100_000).optional(),
  passMinutes: whole("the pass length", 1, 24 * 60),
  checkoutCap: whole("the checkout cap", 1, 100_000),
}).superRefine((value, ctx) => {
  if (value.admission === "rate" && value.admitPerMinute === undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["admitPerMinute"], message: "Enter how many people a minute to admit" });
  }
});

export const admitNextSchema = z.object({ count: whole("how many to admit", 1, 100_000) });
export const admissionRateSchema = z.object({ admitPerMinute: whole("the admission rate", 1, 100_000) });
