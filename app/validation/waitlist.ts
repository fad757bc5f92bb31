import { z } from "zod";
import { CLAIM_WINDOW_HOURS } from "~/lib/waitlist-rules";

/** A buyer's waiting-list button on the race or queue page. */
export const waitlistActionSchema = z.object({
  intent: z.enum(["join", "leave", "claim"], { errorMap: () => ({ message: "Unknown waiting-list action." }) }),
  ticketTypeId: z.string({ required_error: "Choose a ticket type." }).min(1, "Choose a ticket type.").max(64),
});

/** The organiser's "offer a place" button on one waiting person. */
export const offerByHandSchema = z.object({
  entryId: z.string({ required_error: "Choose someone on the waiting list." }).min(1).max(64),
  addPlace: z.preprocess((value) => value === "on" || value === "true", z.boolean()),
});

/** The organiser's claim window, in hours. */
export const claimWindowSchema = z.object({
  claimHours: z.coerce
    .number({ invalid_type_error: "Enter the claim window in hours" })
    .min(CLAIM_WINDOW_HOURS.min, `Use at least ${CLAIM_WINDOW_HOURS.min} hours`)
    .max(CLAIM_WINDOW_HOURS.max, `Use at most ${CLAIM_WINDOW_HOURS.max} hours`),
});
