import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { useRef, type ReactNode } from "react";
import { Button, Card, Field, FormError, Notice } from "~/components/ui";
import { LiveIndicator } from "~/components/live-indicator";
import { useEventSource } from "~/components/use-event-source";
import { utcToZonedLocal, zonedLocalToUtc } from "~/lib/time";
import { queueConsole } from "~/presenters/queue.server";
import { admitNext, pauseQueue, resumeQueue, saveQueueSettings, setAdmissionRate } from "~/services/queue.server";
import { requireRaceRole } from "~/web/access.server";
import { replyToError } from "~/web/errors.server";
import { admissionRateSchema, admitNextSchema, queueSettingsSchema } from "~/validation/queue";

export const meta: MetaFunction = () => [{ title: "Queue · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "MANAGER");
  return { race: { id: race.id, slug: race.slug, timeZone: race.timeZone, status: race.status }, view: await queueConsole(race.id) };
}

type Reply = { intent: string; notice: string | null; error: string | null; fieldErrors?: Record<string, string[] | null | undefined> };

export async function action({ request, params }: ActionFunctionArgs) {
  const { race, user } = await requireRaceRole(request, params.raceId, "MANAGER");
  const formData = await request.formData();
  const intent = String(formData.get("intent") ?? "");
  const actor = { raceId: race.id, actorId: user.id };
  const refused = (error: string, fieldErrors?: Reply["fieldErrors"]) => data<Reply>({ intent, notice: null, error, fieldErrors }, { status: 400 });
  try {
    if (intent === "settings") {
      const submission = parseWithZod(formData, { schema: queueSettingsSchema });
      if (submission.status !== "success") return refused("Check the highlighted fields.", submission.reply().error ?? undefined);
      const { admission, admitPerMinute, opensAt, ...rest } = submission.value;
      const opens = zonedLocalToUtc(opensAt, race.timeZone);
      if (!opens) return refused("Check the highlighted fields.", { opensAt: ["Choose a date and time that exists in the race's time zone"] });
      await saveQueueSettings({ ...actor, settings: { ...rest, opensAt: opens, admitPerMinute: admission === "rate" ? admitPerMinute! : null } });
      return { intent, notice: "Queue settings saved.", error: null } satisfies Reply;
    }
    if (intent === "admit") {
      const parsed = admitNextSchema.safeParse(Object.fromEntries(formData));
      if (!parsed.success) return refused(parsed.error.issues[0]!.message);
      const { admitted } = await admitNext({ ...actor, count: parsed.data.count });
      return { intent, notice: `${admitted} ${admitted === 1 ? "person" : "people"} admitted.`, error: null } satisfies Reply;
    }
    if (intent === "rate") {
      const parsed = admissionRateSchema.safeParse(Object.fromEntries(formData));
      if (!parsed.success) return refused(parsed.error.issues[0]!.message);
      await setAdmissionRate({ ...actor, perMinute: parsed.data.admitPerMinute });
      return { intent, notice: `Admitting ${parsed.data.admitPerMinute} people a minute.`, error: null } satisfies Reply;
    }
    if (intent === "pause") await pauseQueue(actor);
    else if (intent === "resume") await resumeQueue(actor);
    else return refused("Unknown action.");
    return { intent, notice: intent === "pause" ? "Admissions paused." : "Admissions resumed.", error: null } satisfies Reply;
  } catch (error) {
    return replyToError(error, { intent });
  }
}

function Stat({ label, value, testId }: { label: string; value: ReactNode; testId: string }) {
  return (
    <div className="rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200">
      <dt className="text-sm text-slate-600">{label}</dt>
      <dd className="mt-1 text-2xl font-bold tabular-nums" data-testid={testId}>{value}</dd>
    </div>
  );
}

export default function QueueConsole() {
  const { race, view } = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>();
  const navigation = useNavigation();
  const revalidator = useRevalidator();
  // The public queue feed says when anything moved; the console then re-reads its own counts (organisers are few).
  const revalidating = useRef(revalidator);
  revalidating.current = revalidator;
  const link = useEventSource(`/races/${race.slug}/queue/live`, {
    snapshot: () => {
      if (revalidating.current.state === "idle") revalidating.current.revalidate();
    },
  });
  const settings = view.settings;
  const busy = (intent: string) => navigation.state === "submitting" && navigation.formData?.get("intent") === intent;
  const errors = reply && "fieldErrors" in reply ? reply.fieldErrors : undefined;
  const message = reply && "error" in reply && reply.error ? reply.error : null;
  const notice = reply && "notice" in reply ? reply.notice : null;
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-xl font-semibold">Queue</h2>
        {settings ? (
          <LiveIndicator status={link.status} onRefresh={link.refresh} text={{ reconnecting: "Reconnecting… numbers may be out of date" }} testId="queue-console-link" className="text-sm" />
        ) : null}
      </div>
      {notice ? <Notice>{notice}</Notice> : null}
      <FormError id="queue-console-error" errors={message ? [message] : undefined} />
      {settings ? (
        <>
          <dl className="grid grid-cols-2 gap-3 md:grid-cols-4">
            <Stat label="Waiting" value={view.counts.waiting} testId="queue-waiting" />
            <Stat label="Admitted so far" value={view.counts.admitted} testId="queue-admitted" />
            <Stat label="Called or in checkout" value={view.counts.called + view.counts.inCheckout} testId="queue-in-checkout" />
            <Stat label="Registered" value={view.counts.registered} testId="queue-registered" />
            <Stat label="Conversion" value={view.conversion === null ? "–" : `${Math.round(view.conversion * 100)}%`} testId="queue-conversion" />
            <Stat label="Admission rate" value={`${view.measuredRate}/min`} testId="queue-rate" />
            <Stat label="Places left" value={view.placesLeft} testId="queue-places-left" />
            <Stat label="Left or passes expired" value={view.counts.ended} testId="queue-ended" />
          </dl>
          <Card>
            <h3 className="text-lg font-semibold">Admissions</h3>
            <p className="mt-1 text-sm text-slate-700">
              {settings.soldOut
                ? "Sold out: everyone still waiting has been told."
                : settings.paused
                  ? "Paused: nobody is admitted at the set rate until you resume. You can still admit people by hand."
                  : settings.admitPerMinute === null
                    ? "Admitting by hand only."
                    : `Admitting ${settings.admitPerMinute} people a minute, within places left and the checkout cap of ${settings.checkoutCap}.`}
            </p>
            <div className="mt-4 flex flex-wrap items-end gap-4">
              <Form method="post" className="flex items-end gap-2">
                <input type="hidden" name="intent" value="admit" />
                <Field label="Admit next" id="admit-count" name="count" type="number" min={1} defaultValue={1} className="w-24" />
                <Button type="submit" pending={busy("admit")} pendingLabel="Admitting…">Admit next</Button>
              </Form>
              <Form method="post">
                <input type="hidden" name="intent" value={settings.paused ? "resume" : "pause"} />
                <Button type="submit" variant="secondary" pending={busy("pause") || busy("resume")}>
                  {settings.paused ? "Resume admissions" : "Pause admissions"}
                </Button>
              </Form>
              <Form method="post" className="flex items-end gap-2">
                <input type="hidden" name="intent" value="rate" />
                <Field label="People per minute" id="admit-rate" name="admitPerMinute" type="number" min={1} defaultValue={settings.admitPerMinute ?? 10} className="w-24" />
                <Button type="submit" variant="secondary" pending={busy("rate")}>Change rate</Button>
              </Form>
            </div>
          </Card>
        </>
      ) : (
        <p className="text-sm text-slate-700">This race has no queue. Set one up below for a busy opening: buyers wait in line and are admitted a few at a time.</p>
      )}
      <Card>
        <h3 className="text-lg font-semibold">Settings</h3>
        <Form method="post" className="mt-3 grid gap-4 sm:grid-cols-2">
          <input type="hidden" name="intent" value="settings" />
          <label className="flex items-center gap-2 sm:col-span-2">
            <input type="checkbox" name="enabled" defaultChecked={settings?.enabled ?? true} className="h-5 w-5" />
            Queue on: buyers need a checkout pass from the queue to register
          </label>
          <Field label="Registration opens (race time zone)" id="opensAt" name="opensAt" type="datetime-local" required errors={errors?.opensAt ?? undefined}
            defaultValue={settings ? utcToZonedLocal(new Date(settings.opensAt), race.timeZone) : undefined} disabled={settings?.opened} />
          {settings?.opened ? <input type="hidden" name="opensAt" value={utcToZonedLocal(new Date(settings.opensAt), race.timeZone)} /> : null}
          <Field label="Pre-queue window (minutes before opening)" id="preQueueMinutes" name="preQueueMinutes" type="number" min={0} defaultValue={settings?.preQueueMinutes ?? 15} errors={errors?.preQueueMinutes ?? undefined} />
          <fieldset className="flex flex-col gap-2">
            <legend className="text-sm font-medium">Admission</legend>
            <label className="flex items-center gap-2"><input type="radio" name="admission" value="rate" defaultChecked={settings?.admitPerMinute !== null} /> At a rate</label>
            <label className="flex items-center gap-2"><input type="radio" name="admission" value="manual" defaultChecked={settings?.admitPerMinute === null} /> By hand only</label>
          </fieldset>
          <Field label="Admissions per minute" id="admitPerMinute" name="admitPerMinute" type="number" min={1} defaultValue={settings?.admitPerMinute ?? 30} errors={errors?.admitPerMinute ?? undefined} />
          <Field label="Checkout pass length (minutes)" id="passMinutes" name="passMinutes" type="number" min={1} defaultValue={settings?.passMinutes ?? 15} errors={errors?.passMinutes ?? undefined} />
          <Field label="Most people in checkout at once" id="checkoutCap" name="checkoutCap" type="number" min={1} defaultValue={settings?.checkoutCap ?? 50} errors={errors?.checkoutCap ?? undefined} />
          <div className="sm:col-span-2">
            <Button type="submit" pending={busy("settings")} pendingLabel="Saving…">Save queue settings</Button>
          </div>
        </Form>
      </Card>
    </div>
  );
}
