import type { LoaderFunctionArgs } from "@remix-run/node";
import { buyerTicket, ticketQrPng } from "~/services/tickets.server";
import { requireUser } from "~/web/auth.server";

/** The ticket's QR code as a PNG to save to a phone or print. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const ticket = await buyerTicket(params.ticketId ?? "", user.id);
  if (ticket.status !== "ISSUED") throw new Response("This ticket is no longer valid.", { status: 410 });
  const png = await ticketQrPng(ticket.qrToken);
  return new Response(new Uint8Array(png), { headers: { "Content-Type": "image/png", "Cache-Control": "private, no-store" } });
}
