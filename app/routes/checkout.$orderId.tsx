import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useEffect, useState } from "react";
import { Button, Card } from "~/components/ui";
import { buyerOrder } from "~/services/orders.server";
import { releaseOrder } from "~/services/reservations.server";
import { requireUser } from "~/utils/auth.server";
import { formatMoney } from "~/utils/money";
import { formatInZone } from "~/utils/time";

export const meta: MetaFunction = () => [{ title: "Checkout · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return { order: await buyerOrder(params.orderId ?? "", user.id) };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const order = await buyerOrder(params.orderId ?? "", user.id);
  await releaseOrder(order.id, "CANCELLED");
  return redirect(`/races/${order.race.slug}`);
}

function useCountdown(until: Date | null) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (!until) return null;
  const left = Math.max(0, new Date(until).getTime() - now);
  return { expired: left === 0, text: `${Math.floor(left / 60_000)}:${String(Math.floor((left % 60_000) / 1000)).padStart(2, "0")}` };
}

export default function CheckoutPage() {
  const { order } = useLoaderData<typeof loader>();
  const countdown = useCountdown(order.status === "PENDING" ? order.holdExpiresAt : null);
  const heldUntil = order.holdExpiresAt ? formatInZone(order.holdExpiresAt, order.race.timeZone) : "";
  return (
    <div className="mx-auto flex max-w-2xl flex-col gap-6">
      <div>
        <p className="text-sm text-slate-600">Registering for</p>
        <h1 className="text-2xl font-bold">{order.race.name}</h1>
        <p className="text-sm text-slate-700">{formatInZone(order.race.startsAt, order.race.timeZone)}</p>
      </div>
      {order.status === "PENDING" ? (
        <p role="timer" aria-live="off" className="rounded-lg bg-brand-50 p-3 text-sm text-brand-700">
          {countdown?.expired
            ? "Your hold has run out; the places are being released."
            : `Your places are held for ${countdown?.text ?? ""} (until ${heldUntil}).`}
        </p>
      ) : order.status === "EXPIRED" || order.status === "CANCELLED" ? (
        <Card>
          <p>{order.status === "EXPIRED" ? "Your hold ran out and the places were released." : "You cancelled this checkout."}</p>
          <Link to={`/races/${order.race.slug}`} className="mt-3 inline-block font-medium text-brand-700 underline">
            Start again
          </Link>
        </Card>
      ) : null}
      <Card>
        <h2 className="font-semibold">Your tickets</h2>
        <ul className="mt-3 divide-y divide-slate-200">
          {order.tickets.map((ticket, index) => (
            <li key={ticket.id} className="flex justify-between py-2 text-sm">
              <span>{`Participant ${index + 1}: ${ticket.ticketType.name}`}</span>
              <span>{formatMoney(ticket.priceMinor, order.currency)}</span>
            </li>
          ))}
        </ul>
        <dl className="mt-3 grid grid-cols-[1fr_auto] gap-y-1 border-t border-slate-200 pt-3 text-sm">
          <dt>Subtotal</dt>
          <dd>{formatMoney(order.subtotalMinor, order.currency)}</dd>
          <dt className="font-semibold">Total</dt>
          <dd className="font-semibold">{formatMoney(order.totalMinor, order.currency)}</dd>
        </dl>
      </Card>
      {order.status === "PENDING" ? (
        <Form method="post">
          <Button type="submit" variant="ghost">
            Cancel and release the places
          </Button>
        </Form>
      ) : null}
    </div>
  );
}
