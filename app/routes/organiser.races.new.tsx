import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { RaceForm } from "~/components/race-form";
import { Card } from "~/components/ui";
import { createRace, RaceInputError } from "~/services/races.server";
import { requireOrgRole } from "~/web/access.server";
import { raceSchema } from "~/validation/races";

export const meta: MetaFunction = () => [{ title: "New race · Startline" }];

function organisationIdOf(request: Request) {
  return new URL(request.url).searchParams.get("organisationId") ?? "";
}

export async function loader({ request }: LoaderFunctionArgs) {
  const { organisation } = await requireOrgRole(request, organisationIdOf(request), "MANAGER");
  return { organisation };
}

export async function action({ request }: ActionFunctionArgs) {
  const { user, organisation } = await requireOrgRole(request, organisationIdOf(request), "MANAGER");
  const submission = parseWithZod(await request.formData(), { schema: raceSchema });
  if (submission.status !== "success") return data(submission.reply(), { status: 400 });
  try {
    const race = await createRace(organisation.id, user.id, submission.value);
    return redirect(`/organiser/races/${race.id}`);
  } catch (error) {
    if (!(error instanceof RaceInputError)) throw error;
    return data(submission.reply({ fieldErrors: { [error.field]: [error.message] } }), { status: 409 });
  }
}

export default function NewRacePage() {
  const { organisation } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  return (
    <div className="mx-auto max-w-2xl">
      <p className="text-sm">
        <Link to="/organiser" className="text-brand-700 underline">
          Your races
        </Link>
      </p>
      <Card className="mt-2">
        <h1 className="text-2xl font-bold">New race for {organisation.name}</h1>
        <p className="mb-4 mt-1 text-sm text-slate-600">You can add ticket types, questions and the waiver next. Nothing is public until you publish.</p>
        <RaceForm lastResult={lastResult} submitLabel="Create race" />
      </Card>
    </div>
  );
}
