import { z } from "zod";
import { isTimeZone, zonedLocalToUtc } from "~/lib/time";

const localDateTime = z
  .string({ required_error: "Choose a date and time" })
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/, "Choose a date and time");

export const currencies = ["EUR", "GBP", "USD", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK"] as const;

export const raceSchema = z
  .object({
    name: z.string({ required_error: "Give the race a name" }).trim().min(3, "Use at least 3 characters").max(120, "Use at most 120 characters"),
    slug: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "Use lower-case letters, digits and single dashes, e.g. harbour-10k")
      .max(60, "Use at most 60 characters")
      .optional(),
    description: z.string().max(20_000, "Keep the description under 20,000 characters").default(""),
    faq: z.string().max(20_000, "Keep the FAQ under 20,000 characters").default(""),
    location: z.string({ required_error: "Say where the race starts" }).trim().min(2, "Say where the race starts").max(200),
    timeZone: z.string({ required_error: "Choose the race's time zone" }).refine(isTimeZone, "Choose a time zone from the list"),
    startsAt: localDateTime,
    registrationOpensAt: localDateTime.optional(),
    registrationClosesAt: localDateTime.optional(),
    currency: z.enum(currencies, { errorMap: () => ({ message: "Choose a currency" }) }).default("EUR"),
    taxMode: z.enum(["NONE", "FIXED_RATE", "STRIPE_TAX"], { errorMap: () => ({ message: "Choose how tax is charged" }) }).default("NONE"),
    taxRatePercent: z.coerce.number({ invalid_type_error: "Enter a percentage, e.g. 23 or 13.5" }).min(0, "Use 0 or more").max(50, "Use at most 50%").default(0),
    holdMinutes: z.coerce.number({ invalid_type_error: "Enter minutes" }).int().min(30, "Holds last at least 30 minutes (Stripe's minimum)").max(24 * 60).default(30),
  })
  .superRefine((value, ctx) => {
    for (const field of ["startsAt", "registrationOpensAt", "registrationClosesAt"] as const) {
      const local = value[field];
      if (local && isTimeZone(value.timeZone) && !zonedLocalToUtc(local, value.timeZone)) {
        ctx.addIssue({ code: "custom", path: [field], message: "Choose a date and time that exists, e.g. 2031-06-14 09:30" });
      }
    }
    if (value.taxMode === "FIXED_RATE" && value.taxRatePercent <= 0) {
      ctx.addIssue({ code: "custom", path: ["taxRatePercent"], message: "Enter the tax rate to charge" });
    }
    if (value.registrationOpensAt && value.registrationClosesAt && value.registrationOpensAt >= value.registrationClosesAt) {
      ctx.addIssue({ code: "custom", path: ["registrationClosesAt"], message: "Registration must close after it opens" });
    }
    if (value.registrationClosesAt && value.registrationClosesAt > value.startsAt) {
      ctx.addIssue({ code: "custom", path: ["registrationClosesAt"], message: "Registration must close before the race starts" });
    }
  });

export type RaceInput = z.infer<typeof raceSchema>;

export const raceStatusSchema = z.object({ intent: z.enum(["publish", "close", "reopen", "cancel"]) });

export const organisationSchema = z.object({
  name: z.string({ required_error: "Name your organisation" }).trim().min(2, "Use at least 2 characters").max(100, "Use at most 100 characters"),
});

export const inviteSchema = z.object({
  email: z.string({ required_error: "Enter their email address" }).trim().toLowerCase().email("Enter a valid email address"),
  role: z.enum(["OWNER", "MANAGER", "CHECKIN"], { errorMap: () => ({ message: "Choose a role" }) }),
});
