import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { Badge, Button, Card, FormError } from "~/components/ui";
import { LiveIndicator } from "~/components/live-indicator";
import { useEventSource } from "~/components/use-event-source";
import { aheadNow, etaMinutes, isCalled, type QueueFrame } from "~/lib/queue-rules";
import { formatInZone } from "~/lib/time";
import { queueEntryView } from "~/presenters/queue.server";
import { myWaitlist } from "~/presenters/waitlist.server";
import { WaitlistControl } from "~/components/waitlist-control";
import { ticketAvailability } from "~/services/race-availability.server";
import { waitlistAction } from "~/web/waitlist.server";
import { joinQueue, leaveQueue } from "~/services/queue.server";
import { findPublicRace } from "~/services/races.server";
import { requireUser } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Queue · ${data.race.name} · Startline` : "Queue · Startline" }];

async function publicRace(slug: string | undefined) {
  const found = await findPublicRace(slug ?? "");
  if (!found) throw new Response("Not found", { status: 404 });
  if (!found.race) throw redirect(`/races/${found.movedTo}/queue`, 301);
  return found.race;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const race = await publicRace(params.slug);
  const view = await queueEntryView(race.id, user.id);
  if (!view?.settings.enabled) throw new Response("This race has no queue.", { status: 404 });
  // A sold-out race offers its waiting lists here: the sold-out types, and any the buyer already waits for.
  const waitlist = view.frame.soldOut || view.entry?.status === "SOLD_OUT" ? await myWaitlist(race.id, user.id) : {};
  const soldOutTypes = Object.keys(waitlist).length || view.frame.soldOut || view.entry?.status === "SOLD_OUT"
    ? (await ticketAvailability(race.id)).filter((type) => type.remaining === 0 || waitlist[type.id]).map(({ id, name }) => ({ id, name }))
    : [];
  return { race: { name: race.name, slug: race.slug, timeZone: race.timeZone }, ...view, waitlist, soldOutTypes };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const race = await publicRace(params.slug);
  const form = await request.formData();
  if (form.has("waitlist")) return waitlistAction(form, { raceId: race.id, userId: user.id, backTo: `/races/${race.slug}/queue` });
  const intent = form.get("intent");
  try {
    if (intent === "leave") await leaveQueue({ raceId: race.id, userId: user.id });
    else await joinQueue({ raceId: race.id, userId: user.id });
  } catch (error) {
    return replyToError(error);
  }
  return redirect(`/races/${race.slug}/queue`);
}

const statusText = {
  WAITING: "Waiting",
  CALLED: "Your turn",
  IN_CHECKOUT: "In checkout",
  REGISTERED: "Registered",
  LEFT: "Left the queue",
  EXPIRED: "Turn passed",
  SOLD_OUT: "Sold out",
} as const;

export default function QueuePage() {
  const { race, settings, frame: loadedFrame, entry, waitlist, soldOutTypes } = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>();
  const navigation = useNavigation();
  const revalidator = useRevalidator();
  const [frame, setFrame] = useState<QueueFrame>(loadedFrame);
  useEffect(() => setFrame(loadedFrame), [loadedFrame]);
  const link = useEventSource(`/races/${race.slug}/queue/live`, { snapshot: (data) => setFrame(data as QueueFrame) });

  // Every (re)connect re-reads the exact position from the server; so does the moment this page is called.
  const wasLive = useRef(false);
  useEffect(() => {
    if (link.status === "live" && !wasLive.current) revalidator.revalidate();
    wasLive.current = link.status === "live";
    // eslint-disable-next-line react-hooks/exhaustive-deps -- revalidate only on the link's transitions
  }, [link.status]);
  const waiting = entry?.status === "WAITING";
  const calledNow = waiting && isCalled(entry.number, frame.servingUpTo);
  const soldOutNow = waiting && frame.soldOut;
  const numberDrawn = waiting && entry.number === null && frame.drawn;
  useEffect(() => {
    if ((calledNow || soldOutNow || numberDrawn) && revalidator.state === "idle") revalidator.revalidate();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per change of what the frame says
  }, [calledNow, soldOutNow, numberDrawn]);

  const ahead = entry && waiting ? aheadNow({ number: entry.number, ahead: entry.ahead, admittedThen: entry.admittedThen }, frame) : 0;
  const eta = etaMinutes(ahead, frame.ratePerMinute);
  const status = calledNow ? "CALLED" : soldOutNow ? "SOLD_OUT" : entry?.status;
  const opensAt = formatInZone(new Date(settings.opensAt), race.timeZone);

  return (
    <div className="mx-auto flex max-w-xl flex-col gap-6">
      <header>
        <p className="text-sm text-slate-600">
          <Link to={`/races/${race.slug}`} className="underline">{race.name}</Link>
        </p>
        <h1 className="text-3xl font-extrabold">Queue</h1>
        <LiveIndicator
          status={link.status}
          onRefresh={link.refresh}
          text={{ live: "Updating live", reconnecting: "Reconnecting… your place is kept", offline: "Offline: your place is kept" }}
          testId="queue-link"
          className="mt-2 text-sm"
        />
      </header>
      <Card>
        <FormError id="queue-error" errors={reply ? [reply.error] : undefined} />
        {!entry ? (
          <>
            <p>{frame.open ? "Registration is open through this queue." : `Registration opens at ${opensAt}. Everyone who joins in the ${settings.preQueueMinutes} minutes before gets a random place at opening.`}</p>
            {frame.soldOut ? (
              <div id="waiting-list" className="mt-3 flex flex-col gap-2">
                <p><Badge tone="bad">Sold out</Badge></p>
                {soldOutTypes.map((type) => (
                  <WaitlistControl key={type.id} ticketType={type} entry={waitlist[type.id]} signedIn timeZone={race.timeZone} pending={navigation.state === "submitting"} />
                ))}
              </div>
            ) : (
              <Form method="post" className="mt-4">
                <Button type="submit" name="intent" value="join" pending={navigation.state === "submitting"} pendingLabel="Joining…">
                  Join the queue
                </Button>
              </Form>
            )}
          </>
        ) : (
          <div className="flex flex-col gap-3" aria-live="polite">
            <p className="text-lg">
              Status: <strong data-testid="queue-status">{statusText[status!]}</strong>
            </p>
            {status === "WAITING" && entry.number === null ? (
              <p data-testid="queue-position">{`You're in the pre-queue. At ${opensAt} everyone here gets a random place in line; you'll see yours then.`}</p>
            ) : null}
            {status === "WAITING" && entry.number !== null ? (
              <>
                <p className="text-2xl font-bold tabular-nums" data-testid="queue-position">
                  {ahead === 0 ? "You're next" : `${ahead} ${ahead === 1 ? "person" : "people"} ahead of you`}
                </p>
                <p className="text-sm text-slate-700" data-testid="queue-eta">
                  {frame.paused
                    ? "The organiser has paused admissions for a moment."
                    : eta === null
                      ? "Waiting for the first admissions to estimate your wait."
                      : `About ${eta} ${eta === 1 ? "minute" : "minutes"} to go, at ${frame.ratePerMinute} people a minute.`}
                </p>
                <p className="text-sm text-slate-700">Keep this page open or come back to it: your place is kept. When it is your turn, this page says so and you have {settings.passMinutes} minutes to register.</p>
              </>
            ) : null}
            {status === "CALLED" ? (
              <>
                <p className="text-xl font-semibold text-emerald-800" data-testid="queue-turn">It's your turn! Register now.</p>
                {entry.passExpiresAt ? <p className="text-sm">{`Your checkout pass is valid until ${formatInZone(new Date(entry.passExpiresAt), race.timeZone)}.`}</p> : null}
                <Link to={`/races/${race.slug}`} className="inline-block rounded-lg bg-brand-600 px-4 py-3 text-center font-semibold text-white">
                  Choose your tickets
                </Link>
              </>
            ) : null}
            {status === "IN_CHECKOUT" ? <p>Your places are held. Finish your checkout before the hold runs out.</p> : null}
            {status === "REGISTERED" ? <p>You're registered. Your tickets are on their way by email.</p> : null}
            {status === "EXPIRED" ? <p>Your checkout pass ran out before you registered, so your turn has passed.</p> : null}
            {status === "LEFT" ? <p>You left this queue.</p> : null}
            {status === "SOLD_OUT" ? (
              <div id="waiting-list" className="flex flex-col gap-2" data-testid="queue-sold-out">
                <p>The race sold out before your turn. Join a waiting list: when a place frees up, the next person gets it held for them and an email to claim it.</p>
                {soldOutTypes.length === 0 ? <p className="text-sm">Reload this page to see the waiting lists.</p> : null}
                {soldOutTypes.map((type) => (
                  <WaitlistControl key={type.id} ticketType={type} entry={waitlist[type.id]} signedIn timeZone={race.timeZone} pending={navigation.state === "submitting"} />
                ))}
              </div>
            ) : null}
            {status === "WAITING" || status === "CALLED" ? (
              <Form method="post">
                <Button type="submit" name="intent" value="leave" variant="secondary" pending={navigation.state === "submitting"} pendingLabel="Leaving…">
                  Leave the queue
                </Button>
              </Form>
            ) : null}
          </div>
        )}
      </Card>
    </div>
  );
}
