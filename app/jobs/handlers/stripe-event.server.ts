import type { JobHandler } from "../handler";
import { markStripeEventFailed, processStripeEvent, replayStripeEvent } from "~/services/stripe-events.server";

/** Dispatches one stored Stripe event to its handler; a processed event is skipped. */
export const stripeEvent: JobHandler<"stripe.event"> = {
  run: ({ eventId }) => processStripeEvent(eventId),
  onFinalFailure: ({ eventId }, error) => markStripeEventFailed(eventId, error.message),
};

/** An operator's replay of a stored event: its handler runs again, idempotently, even when it was processed. */
export const stripeReplay: JobHandler<"stripe.replay"> = {
  run: ({ eventId }) => replayStripeEvent(eventId),
};
