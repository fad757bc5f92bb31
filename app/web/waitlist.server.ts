import { redirect } from "@remix-run/node";
import { DomainError } from "~/lib/errors";
import { claimOffer, joinWaitlist, leaveWaitlist } from "~/services/waitlist.server";
import { waitlistActionSchema } from "~/validation/waitlist";
import { replyToError } from "./errors.server";

/**
 * A buyer's waiting-list button (join, leave, claim) posted to the race page or the queue page: claiming goes to
 * checkout with the held place; the rest come back to `backTo`. Bad input is a 400 next to the buttons.
 */
export async function waitlistAction(form: FormData, { raceId, userId, backTo }: { raceId: string; userId: string; backTo: string }) {
  const parsed = waitlistActionSchema.safeParse({ intent: form.get("waitlist"), ticketTypeId: form.get("ticketTypeId") });
  if (!parsed.success) return replyToError(new WaitlistInputError(parsed.error.issues[0]!.message), { intent: "waitlist" });
  const target = { raceId, userId, ticketTypeId: parsed.data.ticketTypeId };
  try {
    if (parsed.data.intent === "claim") {
      const { orderId } = await claimOffer(target);
      return redirect(`/checkout/${orderId}`);
    }
    if (parsed.data.intent === "join") await joinWaitlist(target);
    else await leaveWaitlist(target);
  } catch (error) {
    return replyToError(error, { intent: "waitlist" });
  }
  return redirect(`${backTo}#waiting-list`);
}

class WaitlistInputError extends DomainError {
  constructor(message: string) {
    super("invalid", message, { field: "form" });
  }
}
