import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Badge, Card, Notice, Pagination } from "~/components/ui";
import { ResolveWithNoteForm } from "~/components/resolve-with-note-form";
import { listAlerts } from "~/presenters/alerts.server";
import { resolveAlert } from "~/services/alerts.server";
import { requireOperator } from "~/web/auth.server";
import { formatInZone } from "~/lib/time";
import { alertFilterSchema, resolveAlertSchema } from "~/validation/alerts";
import { pageParam } from "~/validation/pagination";

export const meta: MetaFunction = () => [{ title: "Operator alerts · Startline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireOperator(request);
  const show = alertFilterSchema.parse(new URL(request.url).searchParams.get("show") ?? "open");
  const page = pageParam(request);
  return { show, page, ...(await listAlerts(show, page)) };
}

type Reply = { alertId?: string; error?: string; done?: string };

export async function action({ request }: ActionFunctionArgs) {
  const operator = await requireOperator(request);
  const form = Object.fromEntries(await request.formData());
  const parsed = resolveAlertSchema.safeParse(form);
  if (!parsed.success) return data<Reply>({ alertId: typeof form.alertId === "string" ? form.alertId : undefined, error: parsed.error.issues[0]!.message }, { status: 400 });
  const resolved = await resolveAlert({ alertId: parsed.data.alertId, operatorId: operator.id, note: parsed.data.note });
  if (!resolved) return data<Reply>({ alertId: parsed.data.alertId, error: "This alert was already resolved, or does not exist." }, { status: 409 });
  return { done: "Alert resolved." } satisfies Reply;
}

const severityTone = { CRITICAL: "bad", WARNING: "warn", INFO: "neutral" } as const;

export default function OperatorAlertsPage() {
  const { show, page, pageCount, items, total } = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>();
  const navigation = useNavigation();
  const submitting = navigation.state === "submitting" ? navigation.formData?.get("alertId") : null;
  return (
    <Card>
      <h1 className="text-2xl font-bold">Operator alerts</h1>
      <p className="mt-1 text-sm text-slate-600">Things Startline could not settle on its own, such as payments it refused and refunded. Resolve each with a note on what was done.</p>
      <nav aria-label="Alert lists" className="mt-4 flex gap-4 text-sm">
        <Link to="?show=open" aria-current={show === "open" ? "page" : undefined} className={show === "open" ? "font-semibold" : "text-brand-700 underline"}>
          Open
        </Link>
        <Link to="?show=resolved" aria-current={show === "resolved" ? "page" : undefined} className={show === "resolved" ? "font-semibold" : "text-brand-700 underline"}>
          Resolved
        </Link>
      </nav>
      <div className="mt-4">
        <Notice>{reply && "done" in reply ? reply.done : null}</Notice>
      </div>
      {items.length === 0 ? (
        <p className="mt-6 text-slate-700">{show === "open" ? "No open alerts. New ones also appear as notifications." : "No resolved alerts yet."}</p>
      ) : (
        <>
          <p className="mt-4 text-sm text-slate-600">{`${total} ${show} ${total === 1 ? "alert" : "alerts"}`}</p>
          <ul className="mt-2 divide-y divide-slate-200">
            {items.map((alert) => {
              const errors = reply && "error" in reply && reply.alertId === alert.id && reply.error ? [reply.error] : undefined;
              const context = Object.entries((alert.context ?? {}) as Record<string, unknown>).filter(([, value]) => value !== null && value !== "");
              return (
                <li key={alert.id} className="py-4">
                  <article aria-labelledby={`alert-${alert.id}`}>
                    <div className="flex flex-wrap items-center gap-2">
                      <Badge tone={severityTone[alert.severity]}>{alert.severity.toLowerCase()}</Badge>
                      <code className="text-xs text-slate-600">{alert.kind}</code>
                      <time className="text-xs text-slate-600" dateTime={new Date(alert.createdAt).toISOString()}>
                        {formatInZone(alert.createdAt, "UTC")}
                      </time>
                    </div>
                    <p id={`alert-${alert.id}`} className="mt-2">
                      {alert.message}
                    </p>
                    {context.length ? (
                      <dl className="mt-2 grid grid-cols-[minmax(8rem,auto)_1fr] gap-x-3 gap-y-1 break-all text-xs">
                        {context.map(([key, value]) => (
                          <div key={key} className="contents">
                            <dt className="text-slate-600">{key}</dt>
                            <dd className="font-mono">{typeof value === "object" ? JSON.stringify(value) : String(value)}</dd>
                          </div>
                        ))}
                      </dl>
                    ) : null}
                    {alert.resolvedAt ? (
                      <p className="mt-2 text-sm text-slate-700">{`Resolved by ${alert.resolvedBy?.name ?? "a former operator"} on ${formatInZone(alert.resolvedAt, "UTC")}: ${alert.resolution ?? ""}`}</p>
                    ) : (
                      <ResolveWithNoteForm itemId={alert.id} fields={{ alertId: alert.id }} errors={errors} pending={submitting === alert.id} />
                    )}
                  </article>
                </li>
              );
            })}
          </ul>
        </>
      )}
      <Pagination page={page} pageCount={pageCount} hrefFor={(p) => `?show=${show}&page=${p}`} />
    </Card>
  );
}
