import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Badge, Button, Card, Notice } from "~/components/ui";
import { stripeEventStatus } from "~/lib/stripe-event-status";
import { formatInZone } from "~/lib/time";
import { stripeEventDetail } from "~/presenters/operator.server";
import { requestStripeReplay } from "~/services/job-admin.server";
import { requireOperator } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";
import { counted } from "~/lib/plural";

export const meta: MetaFunction = () => [{ title: "Stripe event · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireOperator(request);
  const event = await stripeEventDetail(params.eventId ?? "");
  if (!event) throw new Response("This Stripe event is not in the inbox (it may have been pruned).", { status: 404 });
  return { event };
}

type Reply = { done?: string; error?: string };

export async function action({ request, params }: ActionFunctionArgs) {
  const operator = await requireOperator(request);
  try {
    await requestStripeReplay({ eventId: params.eventId ?? "", operatorId: operator.id });
    return data<Reply>({ done: "Replay queued: the handler runs again and completes only what is missing. Reload to see its outcome." });
  } catch (error) {
    const reply = replyToError(error);
    return data<Reply>({ error: reply.data.error }, { status: reply.init?.status ?? 400 });
  }
}

export default function StripeEventPage() {
  const { event } = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>();
  const navigation = useNavigation();
  const status = stripeEventStatus(event);
  const { touched } = event;
  return (
    <Card>
      <p className="text-sm">
        <Link to="/operator/stripe-events" className="text-brand-700 underline">
          Stripe inbox
        </Link>
      </p>
      <h1 className="mt-2 break-all font-mono text-xl font-bold">{event.id}</h1>
      <div className="mt-2 flex flex-wrap items-center gap-2 text-sm">
        <Badge tone={status.tone}>{status.label}</Badge>
        <code>{event.type}</code>
        <span className="text-slate-600">{`received ${formatInZone(event.receivedAt, "UTC")}`}</span>
        {event.processedAt ? <span className="text-slate-600">{`processed ${formatInZone(event.processedAt, "UTC")}`}</span> : null}
        {event.replays > 0 ? <span className="text-slate-600">{`replayed ${event.replays}×`}</span> : null}
      </div>
      <h2 className="mt-4 font-semibold">What it did</h2>
      <p className="mt-1 text-sm" data-testid="event-outcome">
        {event.outcome ?? "Not processed yet."}
      </p>
      {event.lastError ? <p className="mt-1 text-sm text-red-700">{`Last error: ${event.lastError}`}</p> : null}
      <dl className="mt-3 grid grid-cols-[minmax(9rem,auto)_1fr] gap-x-3 gap-y-1 break-all text-sm">
        <dt className="text-slate-600">Stripe object</dt>
        <dd className="font-mono">{touched.stripeObject ?? "–"}</dd>
        <dt className="text-slate-600">Connected account</dt>
        <dd className="font-mono">{touched.connectedAccount ?? "the platform"}</dd>
        <dt className="text-slate-600">Order</dt>
        <dd className="font-mono" data-testid="event-order">
          {event.order ? `${event.order.id} · ${event.order.status.toLowerCase()} · ${event.order.totalMinor} ${event.order.currency}` : touched.orderId ? `${touched.orderId} (not found)` : "–"}
        </dd>
        <dt className="text-slate-600">Credit purchase</dt>
        <dd className="font-mono">{event.purchase ? `${event.purchase.id} · ${event.purchase.status.toLowerCase()} · ${counted(event.purchase.credits, "credit")}` : touched.purchaseId ?? "–"}</dd>
        <dt className="text-slate-600">Account</dt>
        <dd className="font-mono">{touched.userId ?? "–"}</dd>
      </dl>
      <Form method="post" className="mt-4">
        <Button type="submit" pending={navigation.state === "submitting"} pendingLabel="Queueing…">
          Replay this event
        </Button>
      </Form>
      <div className="mt-2" role="status">
        {reply?.error ? <p className="text-sm text-red-700">{reply.error}</p> : null}
        <Notice>{reply?.done ?? null}</Notice>
      </div>
      <h2 className="mt-6 font-semibold">Payload</h2>
      <pre className="mt-2 max-h-[32rem] overflow-auto rounded bg-slate-900 p-3 text-xs text-slate-100">{event.payload}</pre>
    </Card>
  );
}
