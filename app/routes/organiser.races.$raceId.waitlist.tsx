import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Badge, Button, Card, Field, FormError, Notice, Pagination } from "~/components/ui";
import { formatInZone } from "~/lib/time";
import { waitlistConsole } from "~/presenters/waitlist.server";
import { offerByHand, setClaimWindow } from "~/services/waitlist.server";
import { requireRaceRole } from "~/web/access.server";
import { replyToError } from "~/web/errors.server";
import { claimWindowSchema, offerByHandSchema } from "~/validation/waitlist";
import { pageParam } from "~/validation/pagination";
import { counted } from "~/lib/plural";

export const meta: MetaFunction = () => [{ title: "Waiting lists · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "MANAGER");
  const page = pageParam(request);
  return { race: { id: race.id, timeZone: race.timeZone }, page, view: await waitlistConsole(race.id, page) };
}

type Reply = { intent: string; notice: string | null; error: string | null };

export async function action({ request, params }: ActionFunctionArgs) {
  const { race, user } = await requireRaceRole(request, params.raceId, "MANAGER");
  const formData = await request.formData();
  const intent = String(formData.get("intent") ?? "");
  const refused = (error: string) => data<Reply>({ intent, notice: null, error }, { status: 400 });
  try {
    if (intent === "offer") {
      const parsed = offerByHandSchema.safeParse(Object.fromEntries(formData));
      if (!parsed.success) return refused(parsed.error.issues[0]!.message);
      await offerByHand({ raceId: race.id, actorId: user.id, ...parsed.data });
      return { intent, notice: "Place offered: it is held for them, and they have been emailed.", error: null } satisfies Reply;
    }
    if (intent === "claim-window") {
      const parsed = claimWindowSchema.safeParse(Object.fromEntries(formData));
      if (!parsed.success) return refused(parsed.error.issues[0]!.message);
      await setClaimWindow({ raceId: race.id, actorId: user.id, hours: parsed.data.claimHours });
      return { intent, notice: `Offers are now held for ${parsed.data.claimHours} hours.`, error: null } satisfies Reply;
    }
    return refused("Unknown action.");
  } catch (error) {
    return replyToError(error, { intent });
  }
}

export default function WaitlistConsole() {
  const { race, page, view } = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = (intent: string) => navigation.state === "submitting" && navigation.formData?.get("intent") === intent;
  const message = reply && "error" in reply && reply.error ? reply.error : null;
  const notice = reply && "notice" in reply ? reply.notice : null;
  const pageCount = Math.max(1, ...view.lists.map((list) => list.people.pageCount));
  return (
    <div className="flex flex-col gap-6">
      <h2 className="text-xl font-semibold">Waiting lists</h2>
      {notice ? <Notice>{notice}</Notice> : null}
      <FormError id="waitlist-console-error" errors={message ? [message] : undefined} />
      <Card>
        <h3 className="text-lg font-semibold">Claim window</h3>
        <p className="mt-1 text-sm text-slate-700">
          When a place frees up on a sold-out ticket type, the next person gets it held for them this long, with an email and a notification. If they do not pay in time, it passes to the next person.
        </p>
        <Form method="post" className="mt-3 flex items-end gap-2">
          <input type="hidden" name="intent" value="claim-window" />
          <Field label="Hours an offer is held" id="claimHours" name="claimHours" type="number" step={0.5} min={0.5} max={24} defaultValue={view.claimHours} className="w-28" />
          <Button type="submit" variant="secondary" pending={busy("claim-window")}>Save</Button>
        </Form>
      </Card>
      {view.lists.every((list) => list.people.total === 0) ? (
        <p className="text-sm text-slate-700" data-testid="waitlist-empty">Nobody is on a waiting list. When a ticket type sells out, buyers can join its list from the race page.</p>
      ) : null}
      {view.lists
        .filter((list) => list.people.total > 0 || list.counts.purchased + list.counts.expired + list.counts.left > 0)
        .map((list) => (
          <Card key={list.id}>
            <h3 className="text-lg font-semibold">{list.name}</h3>
            <p className="mt-1 text-sm text-slate-700" data-testid={`waitlist-counts-${list.name}`}>
              {`${list.counts.waiting} waiting · ${list.counts.offered} offered · ${list.counts.purchased} bought · ${counted(list.counts.expired, "offer")} ran out · ${list.counts.left} left · ${counted(list.remaining, "place")} free`}
            </p>
            {/* A list, not a table: on a phone each person wraps onto lines of their own and the button stays reachable. */}
            <ul className="mt-3 divide-y divide-slate-100 text-sm" aria-label={`${list.name} waiting list`}>
              {list.people.items.map((person) => (
                <li key={person.id} className="flex flex-wrap items-start justify-between gap-x-6 gap-y-2 py-3">
                  <div className="min-w-0">
                    <p className="font-medium">{person.user.name}</p>
                    <p className="break-all text-slate-600">{person.user.email}</p>
                    <p className="text-slate-600">{`Joined ${formatInZone(new Date(person.joinedAt), race.timeZone)}`}</p>
                  </div>
                  <div>
                    {person.status === "WAITING" ? <Badge>Waiting</Badge> : <Badge tone="good">{person.status === "CLAIMED" ? "In checkout" : "Offered"}</Badge>}
                    {person.offerExpiresAt ? <span className="block text-slate-600">{`held until ${formatInZone(new Date(person.offerExpiresAt), race.timeZone)}${person.byHand ? " (by hand)" : ""}`}</span> : null}
                  </div>
                  {person.status === "WAITING" ? (
                    <Form method="post" className="flex flex-col gap-1">
                      <input type="hidden" name="intent" value="offer" />
                      <input type="hidden" name="entryId" value={person.id} />
                      <label className="flex items-center gap-2 text-xs">
                        <input type="checkbox" name="addPlace" className="h-4 w-4" /> add a place if none is free
                      </label>
                      <Button type="submit" variant="secondary" pending={busy("offer") && navigation.formData?.get("entryId") === person.id}>
                        {`Offer a place to ${person.user.name}`}
                      </Button>
                    </Form>
                  ) : null}
                </li>
              ))}
            </ul>
          </Card>
        ))}
      {pageCount > 1 ? <Pagination page={page} pageCount={pageCount} hrefFor={(n) => `?page=${n}`} /> : null}
    </div>
  );
}
