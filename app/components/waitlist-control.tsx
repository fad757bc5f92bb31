import { Form } from "@remix-run/react";
import { formatInZone } from "~/lib/time";
import { waitlistActions, type WaitlistStatusView } from "~/lib/waitlist-rules";
import { Button } from "./ui";

type Entry = { status: WaitlistStatusView; ahead: number; offerExpiresAt: string | null } | undefined;

/**
 * A sold-out ticket type's waiting list for one buyer: join with one click, see their place, claim a place held
 * for them (which goes to checkout), or leave. Posts `waitlist` + `ticketTypeId` to the page's own action.
 */
export function WaitlistControl({ ticketType, entry, signedIn, timeZone, pending }: { ticketType: { id: string; name: string }; entry: Entry; signedIn: boolean; timeZone: string; pending: boolean }) {
  const status = entry?.status ?? null;
  const actions = waitlistActions(status);
  const testId = `waitlist-${ticketType.name}`;
  if (!signedIn) return <p className="text-sm text-slate-700" data-testid={testId}>Sign in to join the waiting list.</p>;
  return (
    <Form method="post" className="mt-2 flex flex-col gap-2" data-testid={testId}>
      <input type="hidden" name="ticketTypeId" value={ticketType.id} />
      {status === "WAITING" ? (
        <p className="text-sm" role="status">
          {entry!.ahead === 0 ? "You're first on the waiting list." : `You're on the waiting list: ${entry!.ahead} ${entry!.ahead === 1 ? "person" : "people"} ahead of you.`} We email you when a place frees up.
        </p>
      ) : null}
      {actions.canClaim ? (
        <p className="rounded-lg bg-emerald-50 p-2 text-sm text-emerald-900" role="status">
          {`A place is held for you until ${formatInZone(new Date(entry!.offerExpiresAt!), timeZone)}. Claim it to register.`}
        </p>
      ) : null}
      {status === "PURCHASED" ? <p className="text-sm">You got a place from the waiting list.</p> : null}
      {status === "EXPIRED" ? <p className="text-sm">Your offer ran out and passed to the next person. You can join again at the back.</p> : null}
      <div className="flex flex-wrap gap-2">
        {actions.canClaim ? (
          <Button type="submit" name="waitlist" value="claim" pending={pending}>
            {`Claim your ${ticketType.name} place`}
          </Button>
        ) : null}
        {actions.canJoin ? (
          <Button type="submit" name="waitlist" value="join" variant="secondary" pending={pending} pendingLabel="Joining…">
            {`Join the ${ticketType.name} waiting list`}
          </Button>
        ) : null}
        {actions.canLeave ? (
          <Button type="submit" name="waitlist" value="leave" variant="ghost" pending={pending}>
            {`Leave the ${ticketType.name} waiting list`}
          </Button>
        ) : null}
      </div>
    </Form>
  );
}
