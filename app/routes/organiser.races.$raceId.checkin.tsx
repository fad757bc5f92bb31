import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { CheckinCount } from "~/components/checkin-count";
import { alreadyCheckedInMessage, notIssuedMessage, ParticipantSummary } from "~/components/checkin-participant";
import { QrScanButton } from "~/components/qr-scanner";
import { Button, Card } from "~/components/ui";
import { checkIn, checkinCounts, findForCheckin } from "~/services/checkin.server";
import { requireRaceRole } from "~/web/access.server";
import { checkinLookupSchema, checkinSchema } from "~/validation/participants";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Check-in · ${data?.race.name ?? "Race"} · Startline` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "CHECKIN");
  const code = new URL(request.url).searchParams.get("code");
  const lookup = code === null ? null : checkinLookupSchema.safeParse({ code });
  const [counts, found] = await Promise.all([checkinCounts(race.id), lookup?.success ? findForCheckin(race.id, lookup.data.code) : null]);
  return {
    race: { id: race.id, name: race.name, timeZone: race.timeZone },
    code: code ?? "",
    lookupError: lookup && !lookup.success ? (lookup.error.issues[0]?.message ?? "Type or scan a ticket code or bib number") : null,
    found,
    counts,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { race, user } = await requireRaceRole(request, params.raceId, "CHECKIN");
  const submission = parseWithZod(await request.formData(), { schema: checkinSchema });
  if (submission.status !== "success") throw new Response("Choose a participant to check in.", { status: 400 });
  const result = await checkIn({ organisationId: race.organisationId, raceId: race.id, participantId: submission.value.participantId, actorId: user.id });
  if (!result) throw new Response("Not found", { status: 404 });
  return data({ result }, { status: result.outcome === "checked_in" ? 200 : 409 });
}

export default function CheckinPage() {
  const { race, code, lookupError, found, counts } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const submit = useSubmit();
  const input = useRef<HTMLInputElement>(null);
  const result = actionData?.result;

  useEffect(() => {
    if (!result || !input.current) return;
    input.current.value = "";
    input.current.focus();
  }, [result]);

  const showFound = found && !(result && result.participant.participantId === found.participantId);
  return (
    <div className="mx-auto flex max-w-xl flex-col gap-4">
      <CheckinCount raceId={race.id} initial={counts} />
      <Card className="p-4 sm:p-6">
        <Form method="get" className="flex flex-col gap-3" aria-label="Find a participant">
          <label htmlFor="checkin-code" className="text-base font-semibold">
            Ticket code or bib number
          </label>
          <input
            ref={input}
            id="checkin-code"
            name="code"
            type="search"
            defaultValue={code}
            autoFocus
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            enterKeyHint="search"
            aria-invalid={lookupError ? true : undefined}
            aria-describedby={lookupError ? "checkin-code-error" : "checkin-code-hint"}
            className="min-h-14 rounded-xl border-2 border-slate-300 px-4 text-xl shadow-sm focus:border-brand-600"
          />
          {lookupError ? (
            <p id="checkin-code-error" role="alert" className="text-sm text-red-700">
              {lookupError}
            </p>
          ) : (
            <p id="checkin-code-hint" className="text-sm text-slate-600">
              Scan the QR code on the ticket with a scanner, or type the code or the bib number, then press Find.
            </p>
          )}
          <Button type="submit" className="min-h-12 text-base" pending={navigation.state === "loading" && navigation.formMethod === "GET"} pendingLabel="Finding…">
            Find
          </Button>
          <QrScanButton onCode={(scanned) => submit({ code: scanned }, { method: "get" })} />
        </Form>
      </Card>

      <div aria-live="polite">
        {result?.outcome === "checked_in" ? (
          <p role="status" className="rounded-xl bg-brand-100 p-4 text-lg font-semibold text-brand-700">
            Checked in: {result.participant.name}
            {result.participant.bib ? `, bib ${result.participant.bib}` : ""}.
          </p>
        ) : null}
        {result?.outcome === "already_checked_in" ? (
          <p role="alert" className="rounded-xl bg-amber-100 p-4 text-lg font-semibold text-amber-900">
            {result.participant.name}: {alreadyCheckedInMessage(result.participant, race.timeZone)}
          </p>
        ) : null}
        {result?.outcome === "not_issued" ? (
          <p role="alert" className="rounded-xl bg-red-100 p-4 text-lg font-semibold text-red-800">
            {notIssuedMessage(result.participant)}
          </p>
        ) : null}
      </div>

      {code && !found && !lookupError ? (
        <p role="alert" className="rounded-xl bg-red-50 p-4 text-red-800 ring-1 ring-red-200">
          No ticket or bib in {race.name} matches “{code}”. Check the number, or look the person up in the participants list.
        </p>
      ) : null}

      {showFound ? (
        <Card className="p-4 sm:p-6">
          <h2 className="text-2xl font-bold">{found.name}</h2>
          <div className="mt-4">
            <ParticipantSummary participant={found} />
          </div>
          <div className="mt-6">
            {found.ticketStatus !== "ISSUED" ? (
              <p role="alert" className="rounded-lg bg-red-100 p-3 font-semibold text-red-800">
                {notIssuedMessage(found)}
              </p>
            ) : found.checkedInAt ? (
              <p role="alert" className="rounded-lg bg-amber-100 p-3 font-semibold text-amber-900">
                {alreadyCheckedInMessage(found, race.timeZone)}
              </p>
            ) : (
              <Form method="post" action={`/organiser/races/${race.id}/checkin`}>
                <input type="hidden" name="participantId" value={found.participantId} />
                <Button type="submit" className="min-h-14 w-full text-lg" pending={navigation.state === "submitting"} pendingLabel="Checking in…">
                  Check in {found.name}
                </Button>
              </Form>
            )}
          </div>
        </Card>
      ) : null}
    </div>
  );
}
