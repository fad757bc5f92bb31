import { z } from "zod";

export const buyPackSchema = z.object({ intent: z.literal("buy-pack"), packId: z.string({ required_error: "Choose a pack." }).min(1) });
export const startMembershipSchema = z.object({ intent: z.literal("start-membership") });
export const manageSubscriptionSchema = z.object({ intent: z.literal("manage-subscription") });

export const billingActionSchema = z.discriminatedUnion("intent", [buyPackSchema, startMembershipSchema, manageSubscriptionSchema]);
