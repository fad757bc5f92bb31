import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Badge, Card, Pagination } from "~/components/ui";
import { ticketsOfBuyer } from "~/services/tickets.server";
import { requireUser } from "~/web/auth.server";
import { formatInZone } from "~/lib/time";
import { pageParam } from "~/validation/pagination";

export const meta: MetaFunction = () => [{ title: "My tickets · Startline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const page = pageParam(request);
  return { page, ...(await ticketsOfBuyer(user.id, page)) };
}

export default function MyTicketsPage() {
  const { items, page, pageCount } = useLoaderData<typeof loader>();
  return (
    <Card>
      <h1 className="text-2xl font-bold">My tickets</h1>
      {items.length === 0 ? (
        <p className="mt-4 text-slate-700">
          No tickets yet.{" "}
          <Link to="/races" className="font-medium text-brand-700 underline">
            Find a race
          </Link>
          .
        </p>
      ) : (
        <ul className="mt-4 divide-y divide-slate-200">
          {items.map((ticket) => (
            <li key={ticket.id} className="flex flex-wrap items-center justify-between gap-3 py-3">
              <div>
                <Link to={`/tickets/${ticket.id}`} className="font-medium text-brand-700 underline">
                  {`${ticket.race.name}: ${ticket.ticketType.name}`}
                </Link>
                <p className="text-sm text-slate-600">
                  {ticket.participant ? `${ticket.participant.firstName} ${ticket.participant.lastName} · ` : ""}
                  {formatInZone(ticket.race.startsAt, ticket.race.timeZone)}
                </p>
              </div>
              <div className="flex items-center gap-2 text-sm">
                {ticket.bib ? <span>{`Bib ${ticket.bib}`}</span> : null}
                {ticket.status === "REFUNDED" ? <Badge tone="bad">refunded</Badge> : <Badge tone="good">valid</Badge>}
              </div>
            </li>
          ))}
        </ul>
      )}
      <Pagination page={page} pageCount={pageCount} hrefFor={(p) => `?page=${p}`} />
    </Card>
  );
}
