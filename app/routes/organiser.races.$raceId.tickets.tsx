import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { TicketTypeFields } from "~/components/ticket-type-fields";
import { Badge, Button, Card, FormError } from "~/components/ui";
import { createTicketType, ticketTypesOverview } from "~/services/ticket-types.server";
import { requireRaceRole } from "~/web/access.server";
import { submitToService } from "~/web/forms.server";
import { viewerLocale } from "~/web/locale.server";
import { formatMoney } from "~/lib/money";
import { formatDateTime } from "~/lib/time";
import { ticketTypeSchema } from "~/validation/ticket-types";
import { checkOnSubmitThenAsTyped } from "~/components/form-validation";

export const meta: MetaFunction = () => [{ title: "Ticket types · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "MANAGER");
  const overview = await ticketTypesOverview(race.id);
  return { race, ...overview, locale: viewerLocale(request) };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { race, user } = await requireRaceRole(request, params.raceId, "MANAGER");
  const submission = parseWithZod(await request.formData(), { schema: ticketTypeSchema(race) });
  const list = `/organiser/races/${race.id}/tickets`;
  return submitToService("create", submission, (input) => createTicketType({ raceId: race.id, actorId: user.id }, input), list);
}

type TicketTypeRow = ReturnType<typeof useLoaderData<typeof loader>>["active"][number];

function TicketTypeCard({ ticketType, raceId, currency, timeZone, locale }: { ticketType: TicketTypeRow; raceId: string; currency: string; timeZone: string; locale: string }) {
  const salesWindow = [
    ticketType.salesStartAt ? `from ${formatDateTime(ticketType.salesStartAt, timeZone, locale)}` : null,
    ticketType.salesEndAt ? `until ${formatDateTime(ticketType.salesEndAt, timeZone, locale)}` : null,
  ].filter(Boolean);
  return (
    <li>
      <Card className="flex flex-col gap-3">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h3 className="text-lg font-semibold">
            {ticketType.name} {ticketType.archivedAt ? <Badge>archived</Badge> : null}
          </h3>
          <p>
            <span className="font-semibold">{formatMoney(ticketType.priceTodayMinor, currency, locale)}</span>{" "}
            <span className="text-sm text-slate-600">today{ticketType.tierToday ? ` (${ticketType.tierToday})` : ""}</span>
          </p>
        </div>
        <dl className="grid grid-cols-3 gap-2 text-center text-sm">
          {[
            ["Sold", ticketType.soldCount],
            ["Held", ticketType.heldCount],
            ["Remaining", ticketType.remaining],
          ].map(([label, value]) => (
            <div key={label} className="rounded-lg bg-slate-50 p-2">
              <dt className="text-slate-600">{label}</dt>
              <dd className="text-lg font-semibold">{value}</dd>
            </div>
          ))}
        </dl>
        <p className="text-sm text-slate-700">
          Capacity {ticketType.capacity}
          {salesWindow.length ? ` · sales ${salesWindow.join(" ")}` : " · on sale while the race is open"}
          {ticketType.bibRangeStart !== null ? ` · bibs ${ticketType.bibRangeStart}–${ticketType.bibRangeEnd}` : ""}
          {ticketType.minAge !== null ? ` · ${ticketType.minAge}+ on race day` : ""}
        </p>
        <Link className="self-start font-medium text-brand-700 underline" to={`/organiser/races/${raceId}/tickets/${ticketType.id}`}>
          Edit {ticketType.name}
        </Link>
      </Card>
    </li>
  );
}

/** Remounted (keyed by the ticket type count) after each added type, so it starts empty again. */
function NewTicketTypeForm({ race, nextPosition }: { race: { currency: string; timeZone: string }; nextPosition: number }) {
  const lastResult = useActionData<typeof action>()?.result;
  const navigation = useNavigation();
  const [form, fields] = useForm({
    ...checkOnSubmitThenAsTyped,
    id: "new-ticket-type",
    lastResult,
    defaultValue: { maxPerOrder: "10", sortOrder: String(nextPosition) },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ticketTypeSchema(race) }),
  });
  return (
    <Form method="post" {...getFormProps(form)} className="mt-4 flex flex-col gap-4">
      <FormError id={form.errorId} errors={form.errors} />
      <TicketTypeFields fields={fields} currency={race.currency} timeZone={race.timeZone} />
      <Button type="submit" className="self-start" pending={navigation.state === "submitting"} pendingLabel="Adding…">
        Add ticket type
      </Button>
    </Form>
  );
}

export default function TicketTypesPage() {
  const { race, active, archived, locale } = useLoaderData<typeof loader>();
  const cardProps = { raceId: race.id, currency: race.currency, timeZone: race.timeZone, locale };
  return (
    <div className="flex flex-col gap-8">
      <section aria-labelledby="ticket-types-heading">
        <h2 id="ticket-types-heading" className="text-xl font-bold">
          Ticket types
        </h2>
        {active.length === 0 ? (
          <p className="mt-2 text-slate-700">No ticket types yet. Add the first one below, e.g. a 10K with its price and capacity.</p>
        ) : (
          <ul className="mt-4 flex flex-col gap-4">
            {active.map((ticketType) => (
              <TicketTypeCard key={ticketType.id} ticketType={ticketType} {...cardProps} />
            ))}
          </ul>
        )}
      </section>

      <Card>
        <h2 className="text-xl font-bold">Add a ticket type</h2>
        <NewTicketTypeForm key={active.length + archived.length} race={race} nextPosition={active.length} />
      </Card>

      {archived.length > 0 ? (
        <section aria-labelledby="archived-heading">
          <h2 id="archived-heading" className="text-xl font-bold">
            Archived
          </h2>
          <p className="mt-1 text-sm text-slate-700">Not on sale any more; their tickets stay valid.</p>
          <ul className="mt-4 flex flex-col gap-4">
            {archived.map((ticketType) => (
              <TicketTypeCard key={ticketType.id} ticketType={ticketType} {...cardProps} />
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
