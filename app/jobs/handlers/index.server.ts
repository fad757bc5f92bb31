import type { JobName } from "../catalog";
import type { JobHandler } from "../handler";
import { emailSend } from "./email-send.server";
import { housekeepingSweep } from "./housekeeping-sweep.server";
import { stripeEvent } from "./stripe-event.server";

/** Every job in the catalog has exactly one handler; the type makes a missing one a compile error. */
export const handlers: { [N in JobName]: JobHandler<N> } = {
  "email.send": emailSend,
  "stripe.event": stripeEvent,
  "housekeeping.sweep": housekeepingSweep,
};
