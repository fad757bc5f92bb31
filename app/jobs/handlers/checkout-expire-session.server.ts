import { expireReleasedSession } from "~/services/checkout-sessions.server";
import type { JobHandler } from "../handler";

/** Ends the Checkout Session of an order whose places were released, so it can no longer be paid. */
export const checkoutExpireSession: JobHandler<"checkout.expire-session"> = {
  run: ({ sessionId }) => expireReleasedSession(sessionId),
};
