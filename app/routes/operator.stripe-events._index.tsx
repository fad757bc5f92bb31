import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { Badge, Button, Card, Pagination } from "~/components/ui";
import { stripeEventStatus } from "~/lib/stripe-event-status";
import { formatInZone } from "~/lib/time";
import { stripeInbox } from "~/presenters/operator.server";
import { ageWindows, stripeInboxFilterSchema } from "~/validation/operator";
import { pageParam } from "~/validation/pagination";
import { requireOperator } from "~/web/auth.server";

export const meta: MetaFunction = () => [{ title: "Stripe inbox · Startline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireOperator(request);
  const search = new URL(request.url).searchParams;
  const filter = stripeInboxFilterSchema.parse(Object.fromEntries(search));
  const page = pageParam(request);
  const inbox = await stripeInbox({ type: filter.type, status: filter.status, ...(filter.age ? ageWindows[filter.age] : {}) }, page);
  return { filter, page, ...inbox };
}

export default function StripeInboxPage() {
  const { filter, page, pageCount, items, total, types } = useLoaderData<typeof loader>();
  const query = (p: number) => `?${new URLSearchParams({ ...(filter.type ? { type: filter.type } : {}), ...(filter.status ? { status: filter.status } : {}), ...(filter.age ? { age: filter.age } : {}), page: String(p) })}`;
  return (
    <Card>
      <h1 className="text-2xl font-bold">Stripe inbox</h1>
      <p className="mt-1 text-sm text-slate-600">
        Every verified event Stripe sent, as stored before it was processed. Processed events are kept for the retention period (STRIPE_EVENT_RETENTION_DAYS); unprocessed
        ones are kept until they are.
      </p>
      <Form method="get" className="mt-4 flex flex-wrap items-end gap-3 text-sm">
        <label className="flex flex-col gap-1">
          Type
          <select name="type" defaultValue={filter.type ?? ""} className="rounded border border-slate-300 px-2 py-1">
            <option value="">All types</option>
            {types.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1">
          Status
          <select name="status" defaultValue={filter.status ?? ""} className="rounded border border-slate-300 px-2 py-1">
            <option value="">Any status</option>
            <option value="processed">Processed</option>
            <option value="unprocessed">Unprocessed</option>
            <option value="failed">Failed</option>
          </select>
        </label>
        <label className="flex flex-col gap-1">
          Received
          <select name="age" defaultValue={filter.age ?? ""} className="rounded border border-slate-300 px-2 py-1">
            <option value="">Any time</option>
            <option value="1h">Last hour</option>
            <option value="24h">Last 24 hours</option>
            <option value="7d">Last 7 days</option>
            <option value="older">Older than 7 days</option>
          </select>
        </label>
        <Button type="submit" variant="secondary">
          Filter
        </Button>
      </Form>
      <p className="mt-4 text-sm text-slate-600">{`${total} ${total === 1 ? "event" : "events"}`}</p>
      {items.length === 0 ? (
        <p className="mt-4 text-slate-700">No events match.</p>
      ) : (
        <ul className="mt-2 divide-y divide-slate-200">
          {items.map((event) => {
            const status = stripeEventStatus(event);
            return (
              <li key={event.id} className="flex flex-wrap items-center gap-2 py-2 text-sm" data-testid="stripe-event">
                <Badge tone={status.tone}>{status.label}</Badge>
                <Link to={`/operator/stripe-events/${encodeURIComponent(event.id)}`} className="font-mono text-brand-700 underline">
                  {event.id}
                </Link>
                <code className="text-xs">{event.type}</code>
                <time className="text-xs text-slate-600" dateTime={new Date(event.receivedAt).toISOString()}>
                  {formatInZone(event.receivedAt, "UTC")}
                </time>
                {event.outcome ? <span className="w-full truncate text-xs text-slate-600">{event.outcome}</span> : null}
              </li>
            );
          })}
        </ul>
      )}
      <Pagination page={page} pageCount={pageCount} hrefFor={query} />
    </Card>
  );
}
