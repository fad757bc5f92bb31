import type { LoaderFunctionArgs } from "@remix-run/node";
import { participantsCsv } from "~/services/participants.server";
import { requireRaceRole } from "~/web/access.server";
import { connectionSignal, responseWritable } from "~/web/request.server";
import { participantFilterFrom } from "~/validation/participants";

/** The participants list (same search and filters) as a streamed CSV download. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "MANAGER");
  const filter = participantFilterFrom(new URL(request.url).searchParams);
  const body = participantsCsv(race.id, filter, { whenWritable: responseWritable(context), signal: connectionSignal(request, context) });
  const day = new Date().toISOString().slice(0, 10);
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${race.slug}-participants-${day}.csv"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
