import type { LoaderFunctionArgs } from "@remix-run/node";
import { icsCalendar } from "~/lib/ics";
import { clubEventForCalendar } from "~/presenters/clubs.server";
import { requireUser } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";

/** A club event as an .ics file, for the club's members (anyone else: 404). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const event = await clubEventForCalendar(params.clubId ?? "", params.eventId ?? "", user.id).catch((error: unknown) => {
    throw replyToError(error);
  });
  if (!event) throw new Response("Not found", { status: 404 });
  const origin = new URL(request.url).origin;
  const text = icsCalendar({
    uid: `club-event-${event.id}@startline`,
    title: `${event.title} (${event.club.name})`,
    startsAt: event.startsAt,
    stampedAt: event.createdAt,
    place: event.place,
    description: event.description,
    url: `${origin}/clubs/${params.clubId}#event-${event.id}`,
  });
  return new Response(text, {
    headers: {
      "Content-Type": "text/calendar; charset=utf-8",
      "Content-Disposition": `attachment; filename="club-event-${event.id}.ics"`,
      "Cache-Control": "private, no-store",
    },
  });
}
