import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Badge, Card, Pagination } from "~/components/ui";
import { aiJobsPage } from "~/presenters/ai-jobs.server";
import { aiJobLabel } from "~/services/ai-jobs.server";
import { requireUser } from "~/web/auth.server";
import { formatInZone } from "~/lib/time";
import { pageParam } from "~/validation/pagination";
import { counted } from "~/lib/plural";

export const meta: MetaFunction = () => [{ title: "My AI jobs · Startline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const page = pageParam(request);
  const jobs = await aiJobsPage(user.id, page);
  return { page, pageCount: jobs.pageCount, items: jobs.items.map((job) => ({ ...job, label: aiJobLabel(job.kind) })) };
}

export default function AiJobsPage() {
  const { items, page, pageCount } = useLoaderData<typeof loader>();
  return (
    <Card>
      <h1 className="text-2xl font-bold">My AI jobs</h1>
      {items.length === 0 ? (
        <p className="mt-4 text-slate-700">No AI jobs yet. Draft a race description from a race&apos;s edit page, or ask a question on a race page.</p>
      ) : (
        <ul className="mt-4 divide-y divide-slate-200">
          {items.map((job) => (
            <li key={job.id} className="flex flex-wrap items-center justify-between gap-3 py-3">
              <div>
                <Link to={`/ai-jobs/${job.id}`} className="font-medium text-brand-700 underline">
                  {job.label}
                </Link>
                <p className="text-sm text-slate-600">{`${formatInZone(job.createdAt, "UTC")} · ${counted(job.cost, "credit")}${job.status === "FAILED" ? " (refunded)" : ""}`}</p>
              </div>
              <Badge tone={job.status === "DONE" ? "good" : job.status === "FAILED" ? "bad" : "warn"}>{job.status.toLowerCase()}</Badge>
            </li>
          ))}
        </ul>
      )}
      <Pagination page={page} pageCount={pageCount} hrefFor={(p) => `?page=${p}`} />
    </Card>
  );
}
