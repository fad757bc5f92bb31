import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Badge, Button, Card, Notice, Pagination } from "~/components/ui";
import { ResolveWithNoteForm } from "~/components/resolve-with-note-form";
import { formatMoney } from "~/lib/money";
import { formatInZone } from "~/lib/time";
import { recentReconciliationRuns, reconciliationFlags, reconciliationTile } from "~/presenters/reconciliation.server";
import { requestReconciliation, resolveReconciliationFlag } from "~/services/reconciliation.server";
import { reconciliationActionSchema, reconciliationFilterSchema } from "~/validation/operator";
import { pageParam } from "~/validation/pagination";
import { requireOperator } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";

export const meta: MetaFunction = () => [{ title: "Reconciliation · Startline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireOperator(request);
  const url = new URL(request.url);
  const show = reconciliationFilterSchema.parse(url.searchParams.get("show") ?? "open");
  const page = pageParam(request);
  const [flags, runs, { paymentsSimulated }] = await Promise.all([reconciliationFlags(show, page), recentReconciliationRuns(), reconciliationTile()]);
  return { show, page, requested: url.searchParams.get("run") === "requested", runs, paymentsSimulated, ...flags };
}

type Reply = { flagId?: string; error?: string; done?: string };

export async function action({ request }: ActionFunctionArgs) {
  const operator = await requireOperator(request);
  const form = Object.fromEntries(await request.formData());
  const flagId = typeof form.flagId === "string" ? form.flagId : undefined;
  const parsed = reconciliationActionSchema.safeParse(form);
  if (!parsed.success) return data<Reply>({ flagId, error: parsed.error.issues[0]!.message }, { status: 400 });
  try {
    if (parsed.data.intent === "run") {
      await requestReconciliation({ operatorId: operator.id });
      return redirect("/operator/reconciliation?run=requested");
    }
    await resolveReconciliationFlag({ flagId: parsed.data.flagId, operatorId: operator.id, note: parsed.data.note });
    return data<Reply>({ done: "Flag resolved." });
  } catch (error) {
    const reply = replyToError(error);
    return data<Reply>({ flagId, error: reply.data.error }, { status: reply.init?.status ?? 400 });
  }
}

const kindLabel = { PAID_NOT_RECORDED: "paid, not recorded", REFUND_MISMATCH: "refund differs", AMOUNT_MISMATCH: "amount differs" } as const;

export default function ReconciliationPage() {
  const { show, page, pageCount, items, total, runs, requested, paymentsSimulated } = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>();
  const navigation = useNavigation();
  const submitting = navigation.state === "submitting" ? navigation.formData?.get("flagId") ?? navigation.formData?.get("intent") : null;
  const lastRun = runs[0];
  return (
    <div className="flex flex-col gap-6">
      <Card>
        <h1 className="text-2xl font-bold">Reconciliation</h1>
        <p className="mt-1 text-sm text-slate-600">
          Every hour Startline lists Stripe&apos;s recent Checkout Sessions and charges, on the platform and on every organiser&apos;s connected account, and
          compares them with its orders and credit purchases. Each difference below needs a look: fulfil or refund in Stripe, then resolve it with a note.
        </p>
        {paymentsSimulated ? (
          <p className="mt-4 font-semibold text-slate-800">Payments are simulated in this installation (no STRIPE_SECRET_KEY): there is no Stripe to reconcile with.</p>
        ) : null}
        <Form method="post" className="mt-4 flex flex-wrap items-center gap-3" hidden={paymentsSimulated}>
          <input type="hidden" name="intent" value="run" />
          <Button type="submit" variant="secondary" pending={submitting === "run"} pendingLabel="Queueing…">
            Run reconciliation now
          </Button>
          <span className="text-sm text-slate-600" data-testid="reconciliation-last-run">
            {lastRun
              ? lastRun.error
                ? `Last run ${formatInZone(lastRun.startedAt, "UTC")} failed: ${lastRun.error}`
                : lastRun.finishedAt
                  ? `Last run ${formatInZone(lastRun.finishedAt, "UTC")}: ${lastRun.accounts} accounts, ${lastRun.sessions} paid sessions, ${lastRun.charges} charges, ${lastRun.newFlags} new flags, ${lastRun.settledFlags} settled.`
                  : `A run started ${formatInZone(lastRun.startedAt, "UTC")} is in progress.`
              : "No run yet."}
          </span>
        </Form>
        <div className="mt-3">
          <Notice>{requested ? "Reconciliation queued: the worker runs it now, and new flags appear here and as an alert." : reply && "done" in reply ? reply.done : null}</Notice>
        </div>
      </Card>

      <Card>
        <nav aria-label="Flag lists" className="flex gap-4 text-sm">
          <Link to="?show=open" aria-current={show === "open" ? "page" : undefined} className={show === "open" ? "font-semibold" : "text-brand-700 underline"}>
            Open
          </Link>
          <Link to="?show=resolved" aria-current={show === "resolved" ? "page" : undefined} className={show === "resolved" ? "font-semibold" : "text-brand-700 underline"}>
            Resolved
          </Link>
        </nav>
        {items.length === 0 ? (
          <p className="mt-4 text-slate-700">{show === "open" ? "No open differences: Stripe and Startline agree." : "No resolved flags yet."}</p>
        ) : (
          <>
            <p className="mt-4 text-sm text-slate-600">{`${total} ${show} ${total === 1 ? "flag" : "flags"}`}</p>
            <ul className="mt-2 divide-y divide-slate-200">
              {items.map((flag) => {
                const errors = reply && "error" in reply && reply.flagId === flag.id && reply.error ? [reply.error] : undefined;
                const facts: [string, string | null][] = [
                  ["Stripe object", flag.stripeObjectId],
                  ["Checkout Session", flag.stripeSessionId],
                  ["PaymentIntent", flag.stripePaymentIntentId],
                  ["Account", flag.account ?? "platform"],
                  ["Order", flag.orderId],
                  ["Credit purchase", flag.purchaseId],
                  ["Stripe amount", flag.stripeAmountMinor === null ? null : formatMoney(flag.stripeAmountMinor, flag.currency)],
                  ["Startline amount", flag.startlineAmountMinor === null ? null : formatMoney(flag.startlineAmountMinor, flag.currency)],
                ];
                return (
                  <li key={flag.id} className="py-4" data-testid="reconciliation-flag">
                    <article aria-labelledby={`flag-${flag.id}`}>
                      <div className="flex flex-wrap items-center gap-2">
                        <Badge tone={flag.resolvedAt ? "neutral" : "bad"}>{kindLabel[flag.kind]}</Badge>
                        <time className="text-xs text-slate-600" dateTime={new Date(flag.detectedAt).toISOString()}>
                          {formatInZone(flag.detectedAt, "UTC")}
                        </time>
                      </div>
                      <p id={`flag-${flag.id}`} className="mt-2">
                        {flag.message}
                      </p>
                      <dl className="mt-2 grid grid-cols-[minmax(8rem,auto)_1fr] gap-x-3 gap-y-1 break-all text-xs">
                        {facts
                          .filter(([, value]) => value !== null)
                          .map(([label, value]) => (
                            <div key={label} className="contents">
                              <dt className="text-slate-600">{label}</dt>
                              <dd className="font-mono">{value}</dd>
                            </div>
                          ))}
                      </dl>
                      {flag.resolvedAt ? (
                        <p className="mt-2 text-sm text-slate-700">{`Resolved ${flag.resolvedBy ? `by ${flag.resolvedBy.name}` : "by reconciliation"} on ${formatInZone(flag.resolvedAt, "UTC")}: ${flag.note ?? ""}`}</p>
                      ) : (
                        <ResolveWithNoteForm itemId={flag.id} fields={{ intent: "resolve", flagId: flag.id }} errors={errors} pending={submitting === flag.id} />
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
    </div>
  );
}
