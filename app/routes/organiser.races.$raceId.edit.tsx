import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { AiDraftPanel } from "~/components/ai-draft-panel";
import { RaceForm } from "~/components/race-form";
import { Card } from "~/components/ui";
import { raceFormValues } from "~/services/race-details.server";
import { RaceInputError, updateRace } from "~/services/races.server";
import { requireRaceRole } from "~/web/access.server";
import { getEnv } from "~/utils/env.server";
import { raceSchema } from "~/validation/races";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "MANAGER");
  return { raceId: race.id, values: await raceFormValues(race.id), aiConfigured: getEnv().aiConfigured };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { race, user } = await requireRaceRole(request, params.raceId, "MANAGER");
  const submission = parseWithZod(await request.formData(), { schema: raceSchema });
  if (submission.status !== "success") return data(submission.reply(), { status: 400 });
  try {
    await updateRace(race.id, user.id, submission.value);
    return redirect(`/organiser/races/${race.id}`);
  } catch (error) {
    if (!(error instanceof RaceInputError)) throw error;
    return data(submission.reply({ fieldErrors: { [error.field]: [error.message] } }), { status: 409 });
  }
}

export default function EditRacePage() {
  const { raceId, values, aiConfigured } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  return (
    <div className="flex flex-col gap-6">
      <Card className="max-w-2xl">
        <h2 className="mb-4 text-xl font-semibold">Race details</h2>
        <RaceForm defaultValue={values} lastResult={lastResult} submitLabel="Save details" />
      </Card>
      <AiDraftPanel raceId={raceId} configured={aiConfigured} />
    </div>
  );
}
