import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Badge, Button, Card, Field, FormError } from "~/components/ui";
import { createDemoRace } from "~/services/demo-race.server";
import { createOrganisation, membershipsOf } from "~/services/organisations.server";
import { racesForUser } from "~/services/races.server";
import { requireOrgRole } from "~/web/access.server";
import { requireUser } from "~/web/auth.server";
import { hasRole } from "~/lib/roles";
import { formatInZone } from "~/lib/time";
import { organisationSchema } from "~/validation/races";
import { checkOnSubmitThenAsTyped } from "~/components/form-validation";

export const meta: MetaFunction = () => [{ title: "Your races · Startline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const [memberships, races] = await Promise.all([membershipsOf(user.id), racesForUser(user.id)]);
  return { memberships, races };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const formData = await request.formData();
  if (formData.get("intent") === "demo-race") {
    const { user: organiser, organisation } = await requireOrgRole(request, String(formData.get("organisationId") ?? ""), "MANAGER");
    const race = await createDemoRace(organisation.id, organiser.id);
    return redirect(`/organiser/races/${race.id}`);
  }
  const submission = parseWithZod(formData, { schema: organisationSchema });
  if (submission.status !== "success") return data(submission.reply(), { status: 400 });
  await createOrganisation(user.id, submission.value.name);
  return redirect("/organiser");
}

const statusTone = { DRAFT: "neutral", PUBLISHED: "good", CLOSED: "warn", CANCELLED: "bad" } as const;

function CreateOrganisation() {
  const lastResult = useActionData<typeof action>();
  const navigation = useNavigation();
  const [form, fields] = useForm({ ...checkOnSubmitThenAsTyped, id: "organisation", lastResult, onValidate: ({ formData }) => parseWithZod(formData, { schema: organisationSchema }) });
  return (
    <Card className="max-w-lg">
      <h1 className="text-2xl font-bold">Put on a race</h1>
      <p className="mt-1 text-sm text-slate-700">Create your organisation (club, company or event series). You can invite your team afterwards.</p>
      <Form method="post" {...getFormProps(form)} className="mt-4 flex flex-col gap-4">
        <FormError id={form.errorId} errors={form.errors} />
        <Field label="Organisation name" errors={fields.name.errors} {...getInputProps(fields.name, { type: "text" })} />
        <Button type="submit" pending={navigation.state === "submitting"}>
          Create organisation
        </Button>
      </Form>
    </Card>
  );
}

export default function OrganiserHome() {
  const { memberships, races } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  if (memberships.length === 0) return <CreateOrganisation />;
  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-bold">Your races</h1>
      {memberships.map(({ organisation, role }) => {
        const own = races.filter((race) => race.organisation.name === organisation.name);
        return (
          <Card key={organisation.id}>
            <div className="flex flex-wrap items-center justify-between gap-3">
              <div>
                <h2 className="text-lg font-semibold">{organisation.name}</h2>
                <p className="text-sm text-slate-600">Your role: {role.toLowerCase()}</p>
              </div>
              <div className="flex flex-wrap gap-2">
                {hasRole(role, "OWNER") ? (
                  <>
                    <Link className="rounded-lg px-3 py-2 text-sm ring-1 ring-slate-300" to={`/organiser/organisations/${organisation.id}/team`}>
                      Team
                    </Link>
                    <Link className="rounded-lg px-3 py-2 text-sm ring-1 ring-slate-300" to={`/organiser/organisations/${organisation.id}/payouts`}>
                      Payouts
                    </Link>
                  </>
                ) : null}
                {hasRole(role, "MANAGER") ? (
                  <>
                    <Form method="post">
                      <input type="hidden" name="organisationId" value={organisation.id} />
                      <Button type="submit" name="intent" value="demo-race" variant="secondary" pending={navigation.formData?.get("intent") === "demo-race"} pendingLabel="Creating…">
                        Create demo race
                      </Button>
                    </Form>
                    <Link className="rounded-lg bg-brand-600 px-3 py-2 text-sm font-semibold text-white" to={`/organiser/races/new?organisationId=${organisation.id}`}>
                      New race
                    </Link>
                  </>
                ) : null}
              </div>
            </div>
            {own.length === 0 ? (
              <p className="mt-4 text-sm text-slate-700">No races yet. Create one, or a demo race to try everything out.</p>
            ) : (
              <ul className="mt-4 divide-y divide-slate-200">
                {own.map((race) => {
                  const capacity = race.ticketTypes.reduce((sum, t) => sum + t.capacity, 0);
                  const sold = race.ticketTypes.reduce((sum, t) => sum + t.soldCount, 0);
                  return (
                    <li key={race.id} className="flex flex-wrap items-center justify-between gap-2 py-3">
                      <div>
                        <Link className="font-medium text-brand-700 underline" to={`/organiser/races/${race.id}`}>
                          {race.name}
                        </Link>
                        <p className="text-sm text-slate-600">
                          {formatInZone(race.startsAt, race.timeZone)} · {race.location}
                        </p>
                      </div>
                      <div className="flex items-center gap-3 text-sm">
                        <span>
                          {sold} / {capacity} sold
                        </span>
                        <Badge tone={statusTone[race.status]}>{race.status.toLowerCase()}</Badge>
                      </div>
                    </li>
                  );
                })}
              </ul>
            )}
          </Card>
        );
      })}
    </div>
  );
}
