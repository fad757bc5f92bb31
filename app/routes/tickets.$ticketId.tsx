import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Card } from "~/components/ui";
import { buyerTicket, ticketQrSvg } from "~/services/tickets.server";
import { requireUser } from "~/web/auth.server";
import { formatInZone } from "~/lib/time";

export const meta: MetaFunction = () => [{ title: "Ticket · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const ticket = await buyerTicket(params.ticketId ?? "", user.id);
  return { ticket, qrSvg: ticket.status === "ISSUED" ? await ticketQrSvg(ticket.qrToken) : null };
}

export default function TicketPage() {
  const { ticket, qrSvg } = useLoaderData<typeof loader>();
  return (
    <Card className="mx-auto max-w-sm text-center">
      <p className="text-sm text-slate-600">{ticket.race.name}</p>
      <h1 className="text-2xl font-bold">{ticket.participant ? `${ticket.participant.firstName} ${ticket.participant.lastName}` : ticket.ticketType.name}</h1>
      <p className="text-slate-700">{`${ticket.ticketType.name}${ticket.bib ? ` · Bib ${ticket.bib}` : ""}`}</p>
      <p className="text-sm text-slate-600">{formatInZone(ticket.race.startsAt, ticket.race.timeZone)}</p>
      {qrSvg ? (
        <>
          <div role="img" aria-label="Ticket QR code for check-in" className="mx-auto mt-4 w-64" dangerouslySetInnerHTML={{ __html: qrSvg }} />
          <a href={`/tickets/${ticket.id}/qr.png`} download={`ticket-${ticket.bib ?? ticket.id}.png`} className="mt-4 inline-block font-medium text-brand-700 underline">
            Download ticket image
          </a>
        </>
      ) : (
        <p className="mt-4 rounded-lg bg-red-50 p-3 text-red-800">This ticket was refunded and is no longer valid.</p>
      )}
      <p className="mt-4 text-sm">
        <Link to="/tickets" className="text-brand-700 underline">
          All my tickets
        </Link>
      </p>
    </Card>
  );
}
