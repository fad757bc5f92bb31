import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { TicketTypeFields } from "~/components/ticket-type-fields";
import { Badge, Button, Card, Field, FormError } from "~/components/ui";
import {
  addPriceTier,
  deleteTicketType,
  removePriceTier,
  setTicketTypeArchived,
  ticketTypeDetail,
  updateTicketType,
} from "~/services/ticket-types.server";
import { requireRaceRole } from "~/web/access.server";
import { submitToService } from "~/web/forms.server";
import { viewerLocale } from "~/web/locale.server";
import { formatMoney, toMajorUnits } from "~/lib/money";
import { formatDateTime, utcToZonedLocal } from "~/lib/time";
import { priceTierSchema, ticketTypeSchema } from "~/validation/ticket-types";
import { checkOnSubmitThenAsTyped } from "~/components/form-validation";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.ticketType.name ?? "Ticket type"} · Startline` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "MANAGER");
  const ticketType = await ticketTypeDetail(race.id, params.ticketTypeId ?? "");
  if (!ticketType) throw new Response("Not found", { status: 404 });
  return { race, ticketType, locale: viewerLocale(request) };
}

const intents = ["update", "add-tier", "remove-tier", "archive", "restore", "delete"] as const;
type Intent = (typeof intents)[number];
const noFields = z.object({});

export async function action({ request, params }: ActionFunctionArgs) {
  const { race, user } = await requireRaceRole(request, params.raceId, "MANAGER");
  const formData = await request.formData();
  const intent = intents.find((known) => known === formData.get("intent"));
  if (!intent) throw new Response("Unknown action", { status: 400 });
  const actor = { raceId: race.id, actorId: user.id };
  const ticketTypeId = params.ticketTypeId ?? "";
  const list = `/organiser/races/${race.id}/tickets`;
  const parse = <Schema extends z.ZodTypeAny>(schema: Schema) => parseWithZod(formData, { schema });
  switch (intent) {
    case "update":
      return submitToService(intent, parse(ticketTypeSchema(race)), (input) => updateTicketType(actor, ticketTypeId, input), list);
    case "add-tier":
      return submitToService(intent, parse(priceTierSchema(race)), (input) => addPriceTier(actor, ticketTypeId, input), `${list}/${ticketTypeId}`);
    case "remove-tier":
      return submitToService(
        intent,
        parse(z.object({ tierId: z.string({ required_error: "Choose a tier" }) })),
        ({ tierId }) => removePriceTier(actor, ticketTypeId, tierId),
        `${list}/${ticketTypeId}`,
      );
    case "archive":
    case "restore":
      return submitToService(intent, parse(noFields), () => setTicketTypeArchived(actor, ticketTypeId, intent === "archive"), list);
    case "delete":
      return submitToService(intent, parse(noFields), () => deleteTicketType(actor, ticketTypeId), list);
  }
}

/** Remounted (keyed by the tier count) after each added tier, so it starts empty again. */
function NewPriceTierForm({ race }: { race: { currency: string; timeZone: string } }) {
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [form, fields] = useForm({
    ...checkOnSubmitThenAsTyped,
    id: "add-price-tier",
    lastResult: actionData?.intent === "add-tier" ? actionData.result : undefined,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: priceTierSchema(race) }),
  });
  return (
    <Form method="post" {...getFormProps(form)} className="mt-4 flex flex-col gap-4">
      <FormError id={form.errorId} errors={form.errors} />
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Tier label" errors={fields.label.errors} {...getInputProps(fields.label, { type: "text" })} />
        <Field label={`Tier price (${race.currency})`} inputMode="decimal" errors={fields.price.errors} {...getInputProps(fields.price, { type: "text" })} />
        <Field label="Ends at" hint={`In ${race.timeZone}.`} errors={fields.endsAt.errors} {...getInputProps(fields.endsAt, { type: "datetime-local" })} />
      </div>
      <Button
        type="submit"
        name="intent"
        value="add-tier"
        variant="secondary"
        className="self-start"
        pending={navigation.state === "submitting" && navigation.formData?.get("intent") === "add-tier"}
        pendingLabel="Adding…"
      >
        Add price tier
      </Button>
    </Form>
  );
}

export default function EditTicketTypePage() {
  const { race, ticketType, locale } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const busyWith = navigation.state === "submitting" ? navigation.formData?.get("intent") : null;
  const resultFor = (intent: Intent) => (actionData?.intent === intent ? actionData.result : undefined);
  const localTime = (instant: Date | null) => (instant ? utcToZonedLocal(new Date(instant), race.timeZone) : "");

  const [form, fields] = useForm({
    ...checkOnSubmitThenAsTyped,
    id: "edit-ticket-type",
    lastResult: resultFor("update"),
    defaultValue: {
      name: ticketType.name,
      description: ticketType.description,
      price: toMajorUnits(ticketType.priceMinor, race.currency),
      capacity: String(ticketType.capacity),
      salesStartAt: localTime(ticketType.salesStartAt),
      salesEndAt: localTime(ticketType.salesEndAt),
      minAge: ticketType.minAge?.toString() ?? "",
      maxPerOrder: String(ticketType.maxPerOrder),
      bibRangeStart: ticketType.bibRangeStart?.toString() ?? "",
      bibRangeEnd: ticketType.bibRangeEnd?.toString() ?? "",
      sortOrder: String(ticketType.sortOrder),
    },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ticketTypeSchema(race) }),
  });
  const lifecycleErrors = [resultFor("delete"), resultFor("archive"), resultFor("restore"), resultFor("remove-tier")].flatMap(
    (result) => result?.error?.[""] ?? [],
  );

  return (
    <div className="flex flex-col gap-8">
      <p className="text-sm">
        <Link to={`/organiser/races/${race.id}/tickets`} className="text-brand-700 underline">
          All ticket types
        </Link>
      </p>
      <Card>
        <div className="flex flex-wrap items-center gap-2">
          <h2 className="text-xl font-bold">Edit {ticketType.name}</h2>
          {ticketType.archivedAt ? <Badge>archived</Badge> : null}
        </div>
        <p className="mt-1 text-sm text-slate-700">
          {ticketType.soldCount} sold · {ticketType.heldCount} held · {ticketType.remaining} remaining · {formatMoney(ticketType.priceTodayMinor, race.currency, locale)} today
        </p>
        <Form method="post" {...getFormProps(form)} className="mt-4 flex flex-col gap-4">
          <FormError id={form.errorId} errors={form.errors} />
          <TicketTypeFields fields={fields} currency={race.currency} timeZone={race.timeZone} />
          <Button type="submit" name="intent" value="update" className="self-start" pending={busyWith === "update"} pendingLabel="Saving…">
            Save changes
          </Button>
        </Form>
      </Card>

      <Card>
        <h2 className="text-xl font-bold">Price tiers</h2>
        <p className="mt-1 text-sm text-slate-700">
          Each tier&apos;s price applies until it ends; after the last one the base price of{" "}
          {formatMoney(ticketType.priceMinor, race.currency, locale)} applies.
        </p>
        {ticketType.priceTiers.length === 0 ? (
          <p className="mt-4 text-sm text-slate-700">No tiers: the base price applies throughout. Add an early-bird price below.</p>
        ) : (
          <ul className="mt-4 flex flex-col divide-y divide-slate-200">
            {ticketType.priceTiers.map((tier) => (
              <li key={tier.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                <span>
                  <span className="font-medium">{tier.label}</span>: {formatMoney(tier.priceMinor, race.currency, locale)} until{" "}
                  {formatDateTime(tier.endsAt, race.timeZone, locale)}
                </span>
                <Form method="post">
                  <input type="hidden" name="tierId" value={tier.id} />
                  <Button type="submit" name="intent" value="remove-tier" variant="secondary" pending={busyWith === "remove-tier"}>
                    Remove {tier.label}
                  </Button>
                </Form>
              </li>
            ))}
          </ul>
        )}
        <NewPriceTierForm key={ticketType.priceTiers.length} race={race} />
      </Card>

      <Card>
        <h2 className="text-xl font-bold">Stop selling</h2>
        <p className="mt-1 text-sm text-slate-700">
          Archiving hides this ticket type from buyers and keeps its tickets valid. Only a ticket type that never had tickets can be deleted.
        </p>
        <FormError id="lifecycle-error" errors={lifecycleErrors} />
        <Form method="post" className="mt-4 flex flex-wrap gap-3">
          {ticketType.archivedAt ? (
            <Button type="submit" name="intent" value="restore" variant="secondary" pending={busyWith === "restore"}>
              Put back on sale
            </Button>
          ) : (
            <Button type="submit" name="intent" value="archive" variant="secondary" pending={busyWith === "archive"}>
              Archive {ticketType.name}
            </Button>
          )}
          {ticketType.soldCount + ticketType.heldCount === 0 ? (
            <Button type="submit" name="intent" value="delete" variant="ghost" pending={busyWith === "delete"}>
              Delete {ticketType.name}
            </Button>
          ) : null}
        </Form>
      </Card>
    </div>
  );
}
