import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { TextAreaField } from "~/components/fields";
import { Button, Card, Notice } from "~/components/ui";
import { formatInZone } from "~/lib/time";
import { failedJobs } from "~/presenters/operator.server";
import { discardFailedJob, retryFailedJob, retryFailedJobsOfKind } from "~/services/job-admin.server";
import { failedJobActionSchema, failedJobKindSchema } from "~/validation/operator";
import { requireOperator } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";

export const meta: MetaFunction = () => [{ title: "Failed jobs · Startline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireOperator(request);
  const kind = failedJobKindSchema.parse(new URL(request.url).searchParams.get("kind") ?? undefined);
  return { kind: kind ?? null, jobs: await failedJobs(kind) };
}

type Reply = { done?: string; error?: string; jobId?: string | null };

export async function action({ request }: ActionFunctionArgs) {
  const operator = await requireOperator(request);
  const form = Object.fromEntries(await request.formData());
  const parsed = failedJobActionSchema.safeParse(form);
  const jobId = typeof form.jobId === "string" ? form.jobId : null;
  if (!parsed.success) return data<Reply>({ error: parsed.error.issues[0]!.message, jobId }, { status: 400 });
  const input = parsed.data;
  try {
    if (input.intent === "retry") {
      const { name } = await retryFailedJob({ queue: input.queue, jobId: input.jobId, operatorId: operator.id });
      return data<Reply>({ done: `Retrying ${name} (${input.jobId}).` });
    }
    if (input.intent === "retry-all") {
      const retried = await retryFailedJobsOfKind({ name: input.name, operatorId: operator.id });
      return data<Reply>({ done: `Retrying ${retried} failed ${input.name} ${retried === 1 ? "job" : "jobs"}.` });
    }
    const { name } = await discardFailedJob({ queue: input.queue, jobId: input.jobId, reason: input.reason, operatorId: operator.id });
    return data<Reply>({ done: `Discarded ${name} (${input.jobId}).` });
  } catch (error) {
    const reply = replyToError(error);
    return data<Reply>({ error: reply.data.error, jobId }, { status: reply.init?.status ?? 400 });
  }
}

export default function FailedJobsPage() {
  const { kind, jobs } = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" ? `${String(navigation.formData?.get("intent"))}:${String(navigation.formData?.get("jobId") ?? navigation.formData?.get("name"))}` : null;
  const kinds = [...new Set(jobs.map((job) => job.name))].sort();
  return (
    <Card>
      <h1 className="text-2xl font-bold">Failed jobs</h1>
      <p className="mt-1 text-sm text-slate-600">
        Jobs that failed after their last retry. Fix the cause first (the error says what it was), then retry: a retry runs the same handler, and handlers never do
        their work twice. Discard only what must not run, and say why.
      </p>
      <nav aria-label="Job kinds" className="mt-3 flex flex-wrap gap-3 text-sm">
        <Link to="/operator" className="text-brand-700 underline">
          Operator home
        </Link>
        {kind ? (
          <Link to="/operator/jobs" className="text-brand-700 underline">
            All kinds
          </Link>
        ) : null}
      </nav>
      <div className="mt-4" role="status">
        {reply?.error && !reply.jobId ? <p className="text-sm text-red-700">{reply.error}</p> : null}
        <Notice>{reply?.done ?? null}</Notice>
      </div>
      {kinds.length > 0 ? (
        <div className="mt-4 flex flex-wrap gap-2">
          {kinds.map((name) => (
            <Form method="post" key={name}>
              <input type="hidden" name="intent" value="retry-all" />
              <input type="hidden" name="name" value={name} />
              <Button type="submit" variant="secondary" pending={busy === `retry-all:${name}`} pendingLabel="Retrying…">
                {`Retry all ${name} (${jobs.filter((job) => job.name === name).length})`}
              </Button>
            </Form>
          ))}
        </div>
      ) : null}
      {jobs.length === 0 ? (
        <p className="mt-6 text-slate-700" data-testid="no-failed-jobs">
          No failed jobs{kind ? ` of kind ${kind}` : ""}. Nothing is stuck.
        </p>
      ) : (
        <ul className="mt-4 divide-y divide-slate-200">
          {jobs.map((job) => (
            <li key={`${job.queue}:${job.id}`} className="py-4" data-testid="failed-job">
              <article aria-labelledby={`job-${job.id}`}>
                <h2 id={`job-${job.id}`} className="font-mono text-sm font-semibold">
                  <Link to={`?kind=${encodeURIComponent(job.name)}`} className="underline">
                    {job.name}
                  </Link>{" "}
                  <span className="font-normal text-slate-600">{`${job.queue} · ${job.id}`}</span>
                </h2>
                <p className="mt-1 text-sm text-red-700">{job.error || "No error recorded."}</p>
                <p className="mt-1 break-all font-mono text-xs text-slate-600">{job.summary}</p>
                <p className="mt-1 text-xs text-slate-600">{`${job.attempts} ${job.attempts === 1 ? "attempt" : "attempts"}${job.failedAt ? ` · failed ${formatInZone(job.failedAt, "UTC")}` : ""}`}</p>
                {reply?.error && reply.jobId === job.id ? <p className="mt-1 text-sm text-red-700">{reply.error}</p> : null}
                <div className="mt-2 flex flex-wrap items-start gap-3">
                  <Form method="post">
                    <input type="hidden" name="intent" value="retry" />
                    <input type="hidden" name="queue" value={job.queue} />
                    <input type="hidden" name="jobId" value={job.id} />
                    <Button type="submit" pending={busy === `retry:${job.id}`} pendingLabel="Retrying…">
                      Retry
                    </Button>
                  </Form>
                  <Form method="post" className="flex flex-col gap-2">
                    <input type="hidden" name="intent" value="discard" />
                    <input type="hidden" name="queue" value={job.queue} />
                    <input type="hidden" name="jobId" value={job.id} />
                    <TextAreaField id={`reason-${job.id}`} name="reason" label="Reason to discard" rows={1} required minLength={3} maxLength={500} />
                    <Button type="submit" variant="secondary" className="self-start" pending={busy === `discard:${job.id}`} pendingLabel="Discarding…">
                      Discard
                    </Button>
                  </Form>
                </div>
              </article>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
