import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { AiAskPanel } from "~/components/ai-ask-panel";
import { Badge, Button, Card, FormError } from "~/components/ui";
import { LiveIndicator } from "~/components/live-indicator";
import { useLiveSnapshot } from "~/components/use-live-snapshot";
import { ticketAvailability } from "~/services/race-availability.server";
import { queueGate } from "~/presenters/queue.server";
import { myWaitlist } from "~/presenters/waitlist.server";
import { WaitlistControl } from "~/components/waitlist-control";
import { waitlistAction } from "~/web/waitlist.server";
import { countRaceViewers } from "~/services/race-presence.server";
import { findPublicRace } from "~/services/races.server";
import { activeRoom, reservePlaces } from "~/services/reservations.server";
import { getUser, requireUser } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";
import { getEnv } from "~/utils/env.server";
import { renderMarkdown } from "~/utils/markdown.server";
import { clientIp } from "~/web/request.server";
import { formatMoney } from "~/lib/money";
import { storage } from "~/utils/storage.server";
import { formatInZone } from "~/lib/time";
import { cartFromForm } from "~/validation/cart";
import { counted } from "~/lib/plural";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.race.name} · Startline` : "Race · Startline" }];

async function publicRace(slug: string | undefined) {
  const found = await findPublicRace(slug ?? "");
  if (!found) throw new Response("Not found", { status: 404 });
  if (!found.race) throw redirect(`/races/${found.movedTo}`, 301);
  return found.race;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const race = await publicRace(params.slug);
  const user = await getUser(request);
  return {
    ai: { configured: getEnv().aiConfigured, signedIn: user !== null },
    race: {
      ...race,
      descriptionHtml: renderMarkdown(race.description),
      faqHtml: renderMarkdown(race.faq),
      coverUrl: race.coverImageKey ? storage().publicUrl(race.coverImageKey) : null,
    },
    ticketTypes: await ticketAvailability(race.id),
    watching: await countRaceViewers(race.id),
    room: user ? await activeRoom(race.id, user.id) : null,
    queue: await queueGate(race.id, user?.id ?? null),
    waitlist: await myWaitlist(race.id, user?.id ?? null),
    signedIn: user !== null,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const race = await publicRace(params.slug);
  const user = await requireUser(request);
  const form = await request.formData();
  if (form.has("waitlist")) return waitlistAction(form, { raceId: race.id, userId: user.id, backTo: `/races/${race.slug}` });
  const lines = cartFromForm(form);
  const queuePass = form.get("queuePass");
  try {
    const order = await reservePlaces({ raceId: race.id, buyer: user, lines, clientIp: clientIp(request), queuePass: typeof queuePass === "string" ? queuePass : null });
    return redirect(`/checkout/${order.id}`);
  } catch (error) {
    return replyToError(error);
  }
}

function watchingLabel(count: number) {
  return `${counted(count, "person", { plural: "people" })} looking at this race now`;
}

function quantityOptions(max: number) {
  return Array.from({ length: max + 1 }, (_, n) => n);
}

export default function PublicRacePage() {
  const { race, ticketTypes, ai, watching, room, queue, waitlist, signedIn } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const cartReply = result && !("intent" in result && result.intent === "waitlist") ? result : undefined;
  const navigation = useNavigation();
  const { value: snapshot, status: link, refresh: refreshLink } = useLiveSnapshot(`/races/${race.slug}/live`, {
    type: "availability" as const,
    remaining: Object.fromEntries(ticketTypes.map((t) => [t.id, t.remaining])),
    watching,
  });
  const open = race.status === "PUBLISHED";
  return (
    <article className="flex flex-col gap-6">
      {race.coverUrl ? <img src={race.coverUrl} alt="" className="aspect-[3/1] w-full rounded-2xl object-cover" /> : null}
      <header>
        <p className="text-sm text-slate-600">{race.organisation.name}</p>
        <h1 className="text-3xl font-extrabold sm:text-4xl">{race.name}</h1>
        <p className="mt-2 text-slate-700">
          {formatInZone(race.startsAt, race.timeZone)} · {race.location}
        </p>
        <p
          className="mt-2 inline-flex items-center gap-2 text-sm text-slate-700"
          role="status"
          aria-live="polite"
          aria-label={`${watchingLabel(snapshot.watching)}${link === "live" ? ", updating live" : ", reconnecting"}`}
          data-testid="watching"
        >
          <span aria-hidden="true" className={`inline-block h-2 w-2 rounded-full ${link === "live" ? "bg-emerald-500" : "bg-slate-400"}`} />
          {watchingLabel(snapshot.watching)}
        </p>
        {race.status === "CANCELLED" ? <p className="mt-3 rounded-lg bg-red-50 p-3 text-red-800">This race has been cancelled.</p> : null}
        {race.status === "CLOSED" ? <p className="mt-3 rounded-lg bg-amber-50 p-3 text-amber-900">Registration is closed.</p> : null}
      </header>
      <div className="grid gap-6 lg:grid-cols-3">
        {/* Tickets come first in the page, so a phone shows prices and Register before the long description;
            from lg up they sit in the right-hand column. */}
        <Card className="lg:col-start-3 lg:row-start-1">
          <div className="flex items-center justify-between">
            <h2 className="text-xl font-semibold">Tickets</h2>
            <LiveIndicator status={link} onRefresh={refreshLink} text={{ live: "Places update live" }} testId="availability-link" />
          </div>
          <Form method="post" className="mt-3">
            <FormError id="cart-error" errors={cartReply ? [cartReply.error] : undefined} />
            {cartReply?.href ? (
              <Link to={cartReply.href} className="text-sm font-medium text-brand-700 underline">
                {cartReply.href.endsWith("/queue") ? "Go to the queue" : "Sort it out here"}
              </Link>
            ) : null}
            {open && queue.queueOn && queue.pass ? (
              <>
                <input type="hidden" name="queuePass" value={queue.pass} />
                <p className="mt-2 rounded-lg bg-emerald-50 p-3 text-sm text-emerald-900" data-testid="queue-pass">
                  {`It's your turn: your checkout pass is valid until ${formatInZone(new Date(queue.passExpiresAt!), race.timeZone)}.`}
                </p>
              </>
            ) : null}
            {open && queue.queueOn && !queue.pass ? (
              <p className="mt-2 rounded-lg bg-amber-50 p-3 text-sm text-amber-900" data-testid="queue-required">
                {"This race admits buyers through a queue. "}
                <Link to={`/races/${race.slug}/queue`} className="font-medium underline">
                  Join the queue
                </Link>
                {" and register here when it's your turn."}
              </p>
            ) : null}
            <ul className="divide-y divide-slate-200">
              {ticketTypes.map((type) => {
                const remaining = snapshot.remaining[type.id] ?? type.remaining;
                const canBuy = open && type.onSale && remaining > 0;
                return (
                  <li key={type.id} className="py-3">
                    <div className="flex items-center justify-between gap-2">
                      <span className="font-medium">{type.name}</span>
                      <span className="flex items-baseline gap-2">
                        {type.regularPriceMinor !== null ? (
                          <span className="text-sm text-slate-600" data-testid={`regular-price-${type.name}`}>
                            <span className="sr-only">Regular price </span>
                            <s>{formatMoney(type.regularPriceMinor, race.currency)}</s>
                          </span>
                        ) : null}
                        <span className="font-semibold">{formatMoney(type.priceMinor, race.currency)}</span>
                      </span>
                    </div>
                    {type.description ? <p className="text-sm text-slate-700">{type.description}</p> : null}
                    {type.tierLabel && type.tierEndsAt ? (
                      <p className="text-xs text-brand-700">{`${type.tierLabel} until ${formatInZone(type.tierEndsAt, race.timeZone)}`}</p>
                    ) : null}
                    <div className="mt-1 flex items-center justify-between gap-2 text-sm text-slate-600">
                      <span data-testid={`remaining-${type.name}`} role="status" aria-live="polite" aria-label={`${type.name} places`}>
                        {remaining === 0 ? <Badge tone="bad">Sold out</Badge> : type.onSale ? `${counted(remaining, "place")} left` : <Badge tone="warn">Not on sale now</Badge>}
                        {type.minAge ? ` · age ${type.minAge}+ on race day` : ""}
                      </span>
                      {canBuy ? (
                        <span className="flex items-center gap-2">
                          <label htmlFor={`qty-${type.id}`}>{`${type.name} tickets`}</label>
                          <select id={`qty-${type.id}`} name={`qty_${type.id}`} defaultValue="0" className="min-h-11 rounded-lg border border-slate-300 bg-white px-2">
                            {quantityOptions(Math.min(type.maxPerOrder, remaining, 20)).map((n) => (
                              <option key={n} value={n}>
                                {n}
                              </option>
                            ))}
                          </select>
                        </span>
                      ) : null}
                    </div>
                  </li>
                );
              })}
            </ul>
            {open && room ? (
              <p className="mt-4 rounded-lg bg-brand-50 p-3 text-sm text-brand-700" data-testid="room-registration">
                {`You're in the room ${room.name}: places you register here go with team ${room.teamName ?? room.name}, and you can hand each one to a member at checkout.`}
              </p>
            ) : null}
            {open ? (
              <Button type="submit" className="mt-4 w-full" pending={navigation.state === "submitting"} pendingLabel="Holding your places…">
                Register
              </Button>
            ) : null}
          </Form>
          {open ? (
            <WaitingLists
              types={ticketTypes.filter((type) => (snapshot.remaining[type.id] ?? type.remaining) === 0 || waitlist[type.id])}
              waitlist={waitlist}
              signedIn={signedIn}
              timeZone={race.timeZone}
              pending={navigation.state === "submitting" && navigation.formData?.has("waitlist") === true}
            />
          ) : null}
          {open ? (
            <Link to={`/races/${race.slug}/rooms`} className="mt-4 inline-block text-sm font-medium text-brand-700 underline">
              {room ? `Open your team room, ${room.name}` : "Running with friends or a club? Register together in a room"}
            </Link>
          ) : null}
        </Card>
        <div className="flex flex-col gap-6 lg:col-span-2 lg:col-start-1 lg:row-start-1">
          <Card>
            <div className="prose max-w-none" dangerouslySetInnerHTML={{ __html: race.descriptionHtml }} />
          </Card>
          {race.faq ? (
            <Card>
              <h2 className="mb-2 text-xl font-semibold">Questions and answers</h2>
              <div className="prose max-w-none" dangerouslySetInnerHTML={{ __html: race.faqHtml }} />
            </Card>
          ) : null}
          {open ? <AiAskPanel raceId={race.id} slug={race.slug} configured={ai.configured} signedIn={ai.signedIn} /> : null}
        </div>
      </div>
    </article>
  );
}

type WaitingListsProps = {
  types: { id: string; name: string }[];
  waitlist: ReturnType<typeof useLoaderData<typeof loader>>["waitlist"];
  signedIn: boolean;
  timeZone: string;
  pending: boolean;
};

/** Sold-out ticket types (and any the buyer waits for): their waiting lists, outside the cart form. */
function WaitingLists({ types, waitlist, signedIn, timeZone, pending }: WaitingListsProps) {
  const result = useActionData<typeof action>();
  if (types.length === 0) return null;
  return (
    <section id="waiting-list" aria-labelledby="waiting-list-title" className="mt-4 border-t border-slate-200 pt-4">
      <h3 id="waiting-list-title" className="font-semibold">Waiting list</h3>
      <p className="text-sm text-slate-700">When a place frees up, the next person gets it held for them and an email to claim it.</p>
      {result && "intent" in result && result.intent === "waitlist" ? <FormError id="waitlist-error" errors={[result.error]} /> : null}
      {types.map((type) => (
        <div key={type.id} className="mt-3">
          <p className="text-sm font-medium">{type.name}</p>
          <WaitlistControl ticketType={type} entry={waitlist[type.id]} signedIn={signedIn} timeZone={timeZone} pending={pending} />
        </div>
      ))}
    </section>
  );
}
