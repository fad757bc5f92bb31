import { z } from "zod";

export const buyPackSchema = z.object({ intent: z.literal("buy-pack"), packId: z.string({ required_error: "Choose a pack." }).min(1) });
export const startMembershipSchema = z.object({ intent: z.literal("start-membership") });
export const manageSubscriptionSchema = z.object({ intent: z.literal("manage-subscription") });



/** An operator's credit adjustment; `requestKey` is minted when the form is shown, so a resubmitted form applies once. */
export const adjustCreditsSchema = z.object({
  email: z.string({ required_error: "Enter the user's email." }).trim().toLowerCase().email("Enter a valid email address, like name@example.com"),
  amount: z.coerce
    .number({ required_error: "Enter a number of credits.", invalid_type_error: "Enter a whole number of credits." })
    .int("Enter a whole number of credits.")
    .refine((n) => n !== 0, "Enter a number other than 0.")
    .refine((n) => Math.abs(n) <= 100_000, "Adjust by at most 100,000 credits at a time."),
  reason: z.string({ required_error: "Say why, for the user's history." }).trim().min(3, "Say why, for the user's history.").max(200, "Keep the reason under 200 characters."),
  requestKey: z.string().uuid(),
});

/** A step of a demo membership's life, pressed on the billing page in demo payment mode. */
export const demoMembershipEventSchema = z.object({
  intent: z.literal("demo-membership"),
  event: z.enum(["renew", "fail-renewal", "cancel", "end"], { errorMap: () => ({ message: "Choose what should happen to the membership." }) }),
});

export const billingActionSchema = z.discriminatedUnion("intent", [buyPackSchema, startMembershipSchema, manageSubscriptionSchema, demoMembershipEventSchema]);
