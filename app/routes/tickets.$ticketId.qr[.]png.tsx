import type { LoaderFunctionArgs } from "@remix-run/node";
import { buyerTicket } from "~/presenters/tickets.server";
import { ticketQrPng } from "~/services/tickets.server";
import { requireUser } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";

/** The ticket's QR code as a PNG to save to a phone or print. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const ticket = await buyerTicket(params.ticketId ?? "", user.id).catch((error: unknown) => { throw replyToError(error); });
  if (ticket.status !== "ISSUED") throw new Response("This ticket is no longer valid.", { status: 410 });
  const png = await ticketQrPng(ticket.qrToken);
  return new Response(new Uint8Array(png), { headers: { "Content-Type": "image/png", "Cache-Control": "private, no-store" } });
}
