import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, unstable_createMemoryUploadHandler, unstable_parseMultipartFormData } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Badge, Button, Card, FormError } from "~/components/ui";
import { LiveIndicator } from "~/components/live-indicator";
import { useLiveSnapshot } from "~/components/use-live-snapshot";
import { ResendVerificationForm } from "~/components/verify-email-notice";
import { paidPublishingBlocker } from "~/services/payouts.server";
import { cancellationProgress, type CancellationProgress } from "~/presenters/refunds.server";
import { raceOverview } from "~/services/race-details.server";
import { changeRaceStatus, publishBlockers, setCoverImage } from "~/services/races.server";
import { requireRaceRole } from "~/web/access.server";
import { replyToError } from "~/web/errors.server";
import { formatMoney } from "~/lib/money";
import { hasRole } from "~/lib/roles";
import { imageType, storage } from "~/utils/storage.server";
import { formatInZone } from "~/lib/time";
import { raceStatusSchema } from "~/validation/races";
import { counted } from "~/lib/plural";

const MAX_COVER_BYTES = 5 * 1024 * 1024;

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race, role, user } = await requireRaceRole(request, params.raceId, "CHECKIN");
  const overview = await raceOverview(race.id);
  const { blockers, hasPaidTickets, emailUnverified } = await publishBlockers(race.id, user.id);
  const payoutBlocker = hasPaidTickets ? await paidPublishingBlocker(overview.organisationId) : null;
  const showRefunds = overview.status === "CANCELLED" && hasRole(role, "MANAGER");
  return {
    role,
    cancellation: showRefunds ? await cancellationProgress(race.id) : null,
    race: { ...overview, coverUrl: overview.coverImageKey ? storage().publicUrl(overview.coverImageKey) : null },
    blockers: payoutBlocker ? [...blockers, payoutBlocker] : blockers,
    emailUnverified,
  };
}

async function uploadCover(request: Request, raceId: string, actorId: string) {
  const form = await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize: MAX_COVER_BYTES })).catch(() => null);
  const file = form?.get("cover");
  if (!(file instanceof File) || file.size === 0) return data({ errors: [`Choose a JPEG, PNG or WebP image up to 5 MB.`] }, { status: 400 });
  const bytes = new Uint8Array(await file.arrayBuffer());
  const type = imageType(bytes);
  if (!type) return data({ errors: ["That file is not a JPEG, PNG or WebP image."] }, { status: 400 });
  const key = `covers/${raceId}-${Date.now()}.${type.ext}`;
  await storage().put(key, bytes, type.contentType);
  const previous = await setCoverImage(raceId, actorId, key);
  if (previous) await storage().remove(previous);
  return { errors: [] as string[] };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { race, user } = await requireRaceRole(request, params.raceId, "MANAGER");
  if (request.headers.get("Content-Type")?.startsWith("multipart/form-data")) return uploadCover(request, race.id, user.id);
  const parsed = raceStatusSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return data({ errors: ["Choose what to do with the race."] }, { status: 400 });
  try {
    const { hasPaidTickets } = await publishBlockers(race.id, user.id);
    const payoutBlocker = parsed.data.intent === "publish" && hasPaidTickets ? await paidPublishingBlocker(race.organisationId) : null;
    await changeRaceStatus(race.id, user.id, parsed.data.intent, payoutBlocker ? [payoutBlocker] : []);
    return { errors: [] as string[] };
  } catch (error) {
    return replyToError(error);
  }
}

/** The refunds a cancellation started, live: how many orders are refunded, still in progress, or failed and why. */
function CancellationRefunds({ raceId, currency, initial }: { raceId: string; currency: string; initial: CancellationProgress }) {
  const { value: progress, status, refresh } = useLiveSnapshot(`/organiser/races/${raceId}/refunds/live`, initial);
  if (progress.total === 0) return <p className="mt-3 text-sm">No paid orders: nothing had to be refunded.</p>;
  return (
    <section aria-labelledby="cancellation-refunds" className="mt-4 text-sm">
      <h3 id="cancellation-refunds" className="font-medium">
        Refunds to buyers
      </h3>
      <label htmlFor="cancellation-refund-progress" className="mt-2 block" aria-live="polite">
        {`${progress.done} of ${counted(progress.total, "paid order")} refunded (${formatMoney(progress.refundedMinor, currency)})`}
        {progress.waiting ? `, ${progress.waiting} in progress` : ""}
        {progress.failedCount ? `, ${progress.failedCount} failed` : ""}
      </label>
      <progress id="cancellation-refund-progress" className="mt-1 w-full" max={progress.total} value={progress.done} />
      {progress.failed.length ? (
        <ul className="mt-2 flex flex-col gap-1">
          {progress.failed.map((failure) => (
            <li key={failure.orderId}>
              <Badge tone="bad">Failed</Badge> {`${failure.buyerName}: ${failure.error}`}
            </li>
          ))}
        </ul>
      ) : null}
      {progress.waiting ? <LiveIndicator status={status} onRefresh={refresh} text={{ live: "Updates live." }} className="mt-1" /> : null}
    </section>
  );
}

export default function RaceOverview() {
  const { race, blockers, emailUnverified, role, cancellation } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const canManage = role !== "CHECKIN";
  const sold = race.ticketTypes.reduce((sum, t) => sum + t.soldCount, 0);
  const capacity = race.ticketTypes.reduce((sum, t) => sum + t.capacity, 0);
  return (
    <div className="grid gap-6 lg:grid-cols-3">
      <Card className="lg:col-span-2">
        {race.coverUrl ? <img src={race.coverUrl} alt="" className="mb-4 aspect-[3/1] w-full rounded-xl object-cover" /> : null}
        <dl className="grid grid-cols-[9rem_1fr] gap-y-2 text-sm">
          <dt className="text-slate-600">Starts</dt>
          <dd>{formatInZone(race.startsAt, race.timeZone)}</dd>
          <dt className="text-slate-600">Location</dt>
          <dd>{race.location}</dd>
          <dt className="text-slate-600">Registration</dt>
          <dd>
            {race.registrationOpensAt ? `opens ${formatInZone(race.registrationOpensAt, race.timeZone)}` : "open when published"}
            {race.registrationClosesAt ? `, closes ${formatInZone(race.registrationClosesAt, race.timeZone)}` : ""}
          </dd>
          <dt className="text-slate-600">Entries</dt>
          <dd>{`${sold} sold of ${counted(capacity, "place")} · ${counted(race._count.participants, "participant")}`}</dd>
          <dt className="text-slate-600">Set up</dt>
          <dd>{`${race.ticketTypes.length} ticket types · ${race._count.questions} custom questions · ${race._count.waivers} waiver versions · ${race._count.discountCodes} discount codes`}</dd>
        </dl>
      </Card>
      {canManage ? (
        <div className="flex flex-col gap-6">
          <Card>
            <h2 className="font-semibold">Status</h2>
            <FormError id="status-errors" errors={result && "error" in result ? [result.error] : result?.errors} />
            {race.status === "DRAFT" && blockers.length ? (
              <div className="mt-3 text-sm">
                <p className="font-medium">Before you can publish:</p>
                <ul className="ml-5 list-disc">
                  {blockers.map((blocker) => (
                    <li key={blocker}>{blocker}</li>
                  ))}
                </ul>
                {emailUnverified ? <ResendVerificationForm /> : null}
              </div>
            ) : null}
            <Form method="post" className="mt-3 flex flex-wrap gap-2">
              {race.status === "DRAFT" ? (
                <Button type="submit" name="intent" value="publish" disabled={busy}>
                  Publish race
                </Button>
              ) : null}
              {race.status === "PUBLISHED" ? (
                <Button type="submit" name="intent" value="close" variant="secondary" disabled={busy}>
                  Close registration
                </Button>
              ) : null}
              {race.status === "CLOSED" ? (
                <Button type="submit" name="intent" value="reopen" variant="secondary" disabled={busy}>
                  Reopen registration
                </Button>
              ) : null}
              {race.status !== "CANCELLED" ? (
                <Button type="submit" name="intent" value="cancel" variant="ghost" disabled={busy} onClick={(event) => {
                  if (!confirm("Cancel this race? Registration stops for good and every paid order is refunded in full.")) event.preventDefault();
                }}>
                  Cancel race
                </Button>
              ) : null}
            </Form>
            {cancellation ? <CancellationRefunds raceId={race.id} currency={race.currency} initial={cancellation} /> : null}
            {race.status === "PUBLISHED" ? (
              <p className="mt-3 text-sm">
                Live at{" "}
                <Link className="text-brand-700 underline" to={`/races/${race.slug}`}>
                  /races/{race.slug}
                </Link>
              </p>
            ) : null}
          </Card>
          <Card>
            <h2 className="font-semibold">Cover image</h2>
            <Form method="post" encType="multipart/form-data" className="mt-3 flex flex-col gap-3">
              <label htmlFor="cover" className="text-sm font-medium">
                Image (JPEG, PNG or WebP, up to 5 MB)
              </label>
              <input id="cover" name="cover" type="file" accept="image/jpeg,image/png,image/webp" className="text-sm" />
              <Button type="submit" variant="secondary" disabled={busy}>
                Upload cover
              </Button>
            </Form>
          </Card>
        </div>
      ) : null}
    </div>
  );
}
