import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { Badge, Button, Card, TableScroll } from "~/components/ui";
import { LiveIndicator } from "~/components/live-indicator";
import { useLiveSnapshot } from "~/components/use-live-snapshot";
import { operatorOverview, type OperatorOverview } from "~/presenters/operator.server";
import { requireOperator } from "~/web/auth.server";

export const meta: MetaFunction = () => [{ title: "Operator · Startline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireOperator(request);
  return operatorOverview();
}

function Tile({ label, value, tone = "neutral", testId }: { label: string; value: string | number; tone?: "neutral" | "bad" | "warn"; testId?: string }) {
  const colour = tone === "bad" ? "text-red-700" : tone === "warn" ? "text-amber-800" : "text-slate-900";
  return (
    <div className="rounded-lg border border-slate-200 p-3">
      <dt className="text-xs text-slate-600">{label}</dt>
      <dd className={`text-xl font-semibold ${colour}`} data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

function age(seconds: number | null) {
  if (seconds === null) return "none waiting";
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

export default function OperatorHome() {
  const initial = useLoaderData<typeof loader>() as OperatorOverview;
  const { value: overview, status, refresh } = useLiveSnapshot<OperatorOverview>("/operator/live", initial);
  const failedTotal = overview.queues.reduce((sum, q) => sum + q.failed, 0);
  const freshWorkers = overview.workers.filter((w) => !w.stale).length;
  const navigation = useNavigation();
  const { reconciliation } = overview;
  const lastRun = reconciliation.lastRun;
  return (
    <div className="flex flex-col gap-6">
      <Card>
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h1 className="text-2xl font-bold">Operator</h1>
          <LiveIndicator status={status} onRefresh={refresh} testId="operator-live-status" />
        </div>
        <p className="mt-1 text-sm text-slate-600">Is anything stuck, lost or failing? Each number below updates by itself.</p>
        <nav aria-label="Operator pages" className="mt-4 flex flex-wrap gap-4 text-sm">
          <Link to="/operator/jobs" className="text-brand-700 underline">
            Failed jobs ({failedTotal})
          </Link>
          <Link to="/operator/stripe-events" className="text-brand-700 underline">
            Stripe inbox
          </Link>
          <Link to="/operator/reconciliation" className="text-brand-700 underline">
            Reconciliation ({reconciliation.open} open)
          </Link>
          <Link to="/operator/alerts" className="text-brand-700 underline">
            Alerts ({overview.openAlerts} open)
          </Link>
          <a href="/operator/queues" className="text-brand-700 underline">
            Queue dashboard (Bull Board)
          </a>
          <Link to="/operator/credits" className="text-brand-700 underline">
            Adjust credits
          </Link>
        </nav>
      </Card>

      <Card>
        <h2 className="text-lg font-semibold">Queues</h2>
        <TableScroll label="Queues" className="mt-3">
          <table className="w-full text-left text-sm">
            <thead className="text-xs text-slate-600">
              <tr>
                <th scope="col" className="py-1 pr-3">Queue</th>
                <th scope="col" className="py-1 pr-3">Waiting</th>
                <th scope="col" className="py-1 pr-3">Active</th>
                <th scope="col" className="py-1 pr-3">Delayed</th>
                <th scope="col" className="py-1 pr-3">Failed</th>
                <th scope="col" className="py-1 pr-3">Done last hour</th>
                <th scope="col" className="py-1 pr-3">
                  <abbr title="Completed in the last hour after failing at least once: transient failures a retry got past">Needed a retry</abbr>
                </th>
                <th scope="col" className="py-1 pr-3">Jobs/min</th>
                <th scope="col" className="py-1">Oldest waiting</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {overview.queues.map((q) => (
                <tr key={q.queue} data-testid={`queue-${q.queue}`}>
                  <th scope="row" className="py-1 pr-3 font-mono">{q.queue}</th>
                  <td className="py-1 pr-3">{q.waiting}</td>
                  <td className="py-1 pr-3">{q.active}</td>
                  <td className="py-1 pr-3">{q.delayed}</td>
                  <td className={`py-1 pr-3 ${q.failed > 0 ? "font-semibold text-red-700" : ""}`} data-testid={`failed-${q.queue}`}>
                    {q.failed}
                  </td>
                  <td className="py-1 pr-3">{q.completedLastHour}</td>
                  <td className={`py-1 pr-3 ${q.recoveredLastHour > 0 ? "text-amber-800" : ""}`} data-testid={`recovered-${q.queue}`}>
                    {q.recoveredLastHour}
                  </td>
                  <td className="py-1 pr-3">{q.jobsPerMinute}</td>
                  <td className="py-1">{age(q.oldestWaitingSeconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </Card>

      <Card>
        <h2 className="text-lg font-semibold">Workers</h2>
        {overview.workers.length === 0 ? (
          <p className="mt-2 font-semibold text-red-700">No worker has reported in the last hour: payments, emails and AI jobs wait until one runs (`npm run start:worker`).</p>
        ) : (
          <ul className="mt-2 divide-y divide-slate-100 text-sm">
            {overview.workers.map((w) => (
              <li key={w.id} className="flex flex-wrap items-center gap-2 py-2" data-testid="worker">
                <Badge tone={w.stale ? "bad" : "good"}>{w.stale ? "stale" : "alive"}</Badge>
                <span className="font-mono">{`${w.host} · pid ${w.pid}`}</span>
                <span className="text-slate-600">{`${w.queues.join(", ")} · concurrency ${w.concurrency}${w.stripeConcurrency ? ` (stripe ${w.stripeConcurrency})` : ""} · last beat ${age(w.ageSeconds)} ago`}</span>
              </li>
            ))}
          </ul>
        )}
        <p className="mt-2 text-xs text-slate-600">{`${freshWorkers} alive, ${overview.workers.length - freshWorkers} stale.`}</p>
      </Card>

      <Card>
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 className="text-lg font-semibold">Reconciliation with Stripe</h2>
          {reconciliation.paymentsSimulated ? null : (
            <Form method="post" action="/operator/reconciliation">
              <input type="hidden" name="intent" value="run" />
              <Button type="submit" variant="secondary" pending={navigation.state === "submitting" && navigation.formAction === "/operator/reconciliation"} pendingLabel="Queueing…">
                Run reconciliation now
              </Button>
            </Form>
          )}
        </div>
        <dl className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-4">
          <Tile label="Open differences" value={reconciliation.open} tone={reconciliation.open > 0 ? "bad" : "neutral"} testId="reconciliation-open" />
          <Tile
            label="Last run"
            value={lastRun ? (lastRun.error ? "failed" : lastRun.finishedAt ? `${age(Math.max(0, Math.round((Date.parse(overview.at) - Date.parse(String(lastRun.finishedAt))) / 1000)))} ago` : "running") : "never"}
            tone={lastRun?.error ? "bad" : "neutral"}
          />
        </dl>
        {reconciliation.latest.length > 0 ? (
          <ul className="mt-3 divide-y divide-slate-100 text-sm" aria-label="Newest open differences">
            {reconciliation.latest.map((flag) => (
              <li key={flag.id} className="py-2" data-testid="reconciliation-latest">
                {flag.message}
              </li>
            ))}
          </ul>
        ) : (
          <p className="mt-3 text-sm text-slate-600">
            {reconciliation.paymentsSimulated
              ? "Payments are simulated in this installation (no STRIPE_SECRET_KEY), so there is no Stripe to reconcile with."
              : "Stripe and Startline agree on every recent payment."}
          </p>
        )}
        <Link to="/operator/reconciliation" className="mt-2 inline-block text-sm text-brand-700 underline">
          Review and resolve differences
        </Link>
      </Card>

      <Card>
        <h2 className="text-lg font-semibold">Stripe and email</h2>
        <dl className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-4">
          <Tile label="Stripe events, last 24 h" value={overview.stripe.received} />
          <Tile label="Unprocessed events" value={overview.stripe.unprocessed} tone={overview.stripe.unprocessed > 0 ? "warn" : "neutral"} testId="stripe-unprocessed" />
          <Tile label="Failed events" value={overview.stripe.failed} tone={overview.stripe.failed > 0 ? "bad" : "neutral"} />
          <Tile label="Emails failed" value={overview.emailsFailed} tone={overview.emailsFailed > 0 ? "bad" : "neutral"} />
        </dl>
      </Card>
    </div>
  );
}
