import type { JobName } from "../catalog";
import type { JobHandler } from "../handler";
import { aiRun } from "./ai-run.server";
import { authPasswordReset } from "./auth-password-reset.server";
import { clubsRemindEvents } from "./clubs-remind-events.server";
import { checkoutExpireSession } from "./checkout-expire-session.server";
import { emailSend } from "./email-send.server";
import { holdsReleaseExpired } from "./holds-release-expired.server";
import { housekeepingSweep } from "./housekeeping-sweep.server";
import { queueAdmit } from "./queue-admit.server";
import { reconciliationRun } from "./reconciliation-run.server";
import { refundsCancelledRaceOrder } from "./refunds-cancelled-race-order.server";
import { stripeEvent, stripeReplay } from "./stripe-event.server";

/** Every job in the catalog has exactly one handler; the type makes a missing one a compile error. */
export const handlers: { [N in JobName]: JobHandler<N> } = {
  "ai.run": aiRun,
  "auth.password-reset": authPasswordReset,
  "checkout.expire-session": checkoutExpireSession,
  "clubs.remind-events": clubsRemindEvents,
  "email.send": emailSend,
  "holds.release-expired": holdsReleaseExpired,
  "queue.admit": queueAdmit,
  "reconciliation.run": reconciliationRun,
  "refunds.cancelled-race-order": refundsCancelledRaceOrder,
  "stripe.event": stripeEvent,
  "stripe.replay": stripeReplay,
  "housekeeping.sweep": housekeepingSweep,
};
