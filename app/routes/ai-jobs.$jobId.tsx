import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { AiJobOutput, useAiJob } from "~/components/ai-job";
import { Card } from "~/components/ui";
import { aiJobForOwner } from "~/presenters/ai-jobs.server";
import { aiJobLabel } from "~/services/ai-jobs.server";
import { requireUser } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";
import { counted } from "~/lib/plural";

export const meta: MetaFunction = () => [{ title: "AI job · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const job = await aiJobForOwner(params.jobId ?? "", user.id).catch((error: unknown) => { throw replyToError(error); });
  return { job, label: aiJobLabel(job.kind) };
}

export default function AiJobPage() {
  const { job: initial, label } = useLoaderData<typeof loader>();
  const { job, live, follower } = useAiJob(initial);
  return (
    <Card className="mx-auto max-w-2xl">
      {follower}
      <h1 className="text-2xl font-bold">{label}</h1>
      <p className="text-sm text-slate-600">{counted(initial.cost, "credit")}</p>
      <AiJobOutput job={job} live={live} label={label} />
      <Link to="/ai-jobs" className="mt-4 inline-block font-medium text-brand-700 underline">
        All my AI jobs
      </Link>
    </Card>
  );
}
