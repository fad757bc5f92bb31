import type { JobHandler } from "../handler";
import { processStripeEvent } from "~/services/stripe-events.server";

/** Dispatches one stored Stripe event to its handler; a processed event is skipped. */
export const stripeEvent: JobHandler<"stripe.event"> = {
  run: ({ eventId }) => processStripeEvent(eventId),
};
