import { z } from "zod";

/** The payouts page's one form: start or continue Stripe onboarding. */
export const payoutSetupSchema = z.object({
  intent: z.literal("start-payouts", { errorMap: () => ({ message: "Use the “Set up payouts” button to start payout setup." }) }),
});
