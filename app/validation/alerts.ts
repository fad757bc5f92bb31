import { z } from "zod";

/** An operator closing an alert: what was done about it stays with the alert. */
export const resolveAlertSchema = z.object({
  alertId: z.string({ required_error: "Say which alert this is." }).min(1, "Say which alert this is."),
  note: z
    .string({ required_error: "Say what was done about it." })
    .trim()
    .min(3, "Say what was done about it.")
    .max(1000, "Keep the note under 1,000 characters."),
});

/** Which alerts the page lists (`?show=`); anything else means the open ones. */
export const alertFilterSchema = z.enum(["open", "resolved"]).catch("open");
