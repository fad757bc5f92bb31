import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Card } from "~/components/ui";
import { LiveIndicator } from "~/components/live-indicator";
import { useLiveSnapshot } from "~/components/use-live-snapshot";
import { buyerOrder } from "~/presenters/orders.server";
import { requireUser } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";
import { formatMoney } from "~/lib/money";
import { formatInZone } from "~/lib/time";

export const meta: MetaFunction = () => [{ title: "Your order · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return { order: await buyerOrder(params.orderId ?? "", user.id).catch((error: unknown) => { throw replyToError(error); }) };
}

const statusText = {
  PENDING: { tone: "warn", label: "Payment processing", detail: "We are waiting for your payment to be confirmed. This page updates by itself." },
  PAID: { tone: "good", label: "Confirmed", detail: "You're in! Your tickets are below and on their way by email." },
  EXPIRED: { tone: "bad", label: "Expired", detail: "The hold ran out before payment arrived, so the places were released." },
  CANCELLED: { tone: "bad", label: "Cancelled", detail: "This checkout was cancelled." },
  REFUNDED: { tone: "neutral", label: "Refunded", detail: "This order was refunded." },
  PARTIALLY_REFUNDED: { tone: "neutral", label: "Partly refunded", detail: "Part of this order was refunded." },
} as const;

export default function OrderPage() {
  const initial = useLoaderData<typeof loader>().order;
  const { value: order, status: link, refresh: refreshLink } = useLiveSnapshot(`/orders/${initial.id}/live`, initial);
  const status = statusText[order.status];
  return (
    <div className="mx-auto flex max-w-2xl flex-col gap-6">
      <div>
        <p className="text-sm text-slate-600">Order for</p>
        <h1 className="text-2xl font-bold">{order.race.name}</h1>
        <p className="text-sm text-slate-700">{formatInZone(order.race.startsAt, order.race.timeZone)}</p>
      </div>
      <Card>
        <div className="flex items-start justify-between gap-2">
          {/* The status changes live (payment confirmed, refunded): a screen reader hears the new one as it comes. */}
          <div role="status" aria-live="polite" aria-label="Order status">
            <h2 className="text-xl font-semibold" data-testid="order-status">
              {status.label}
            </h2>
            <p className="mt-2 text-slate-700">{status.detail}</p>
          </div>
          <LiveIndicator status={link} onRefresh={refreshLink} testId="order-link" />
        </div>
      </Card>
      <Card>
        <h2 className="font-semibold">Tickets</h2>
        <ul className="mt-3 divide-y divide-slate-200">
          {order.tickets.map((ticket) => (
            <li key={ticket.id} className="flex items-center justify-between gap-2 py-2 text-sm">
              <span>
                {ticket.participant ? `${ticket.participant.firstName} ${ticket.participant.lastName}` : "Participant"}
                {` · ${ticket.ticketType.name}`}
                {ticket.bib ? ` · Bib ${ticket.bib}` : ""}
              </span>
              {ticket.status === "ISSUED" ? (
                <Link to={`/tickets/${ticket.id}`} className="font-medium text-brand-700 underline">
                  Show ticket
                </Link>
              ) : (
                <span className="text-slate-600">{ticket.status.toLowerCase()}</span>
              )}
            </li>
          ))}
        </ul>
        <dl className="mt-3 grid grid-cols-[1fr_auto] gap-y-1 border-t border-slate-200 pt-3 text-sm">
          <dt>Subtotal</dt>
          <dd>{formatMoney(order.subtotalMinor, order.currency)}</dd>
          {order.discountMinor ? (
            <>
              <dt>Discount</dt>
              <dd>{`−${formatMoney(order.discountMinor, order.currency)}`}</dd>
            </>
          ) : null}
          {order.taxMinor ? (
            <>
              <dt>Tax</dt>
              <dd>{formatMoney(order.taxMinor, order.currency)}</dd>
            </>
          ) : null}
          <dt className="font-semibold">Total</dt>
          <dd className="font-semibold">{formatMoney(order.totalMinor, order.currency)}</dd>
          {order.refundedMinor ? (
            <>
              <dt>Refunded to you</dt>
              <dd>{formatMoney(order.refundedMinor, order.currency)}</dd>
            </>
          ) : null}
        </dl>
      </Card>
    </div>
  );
}
