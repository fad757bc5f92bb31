import type { LoaderFunctionArgs } from "@remix-run/node";
import { channels, type RaceActivityMessage } from "~/realtime/channels";
import { liveStream } from "~/realtime/stream.server";
import { remainingPlaces } from "~/services/race-availability.server";
import { findPublicRace } from "~/services/races.server";
import { connectionSignal } from "~/utils/request.server";

/** Public live feed of places left on a race page; anyone who can see the page may listen. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const found = await findPublicRace(params.slug ?? "");
  if (!found?.race) throw new Response("Not found", { status: 404 });
  const raceId = found.race.id;
  return liveStream<RaceActivityMessage, Awaited<ReturnType<typeof remainingPlaces>>>({
    signal: connectionSignal(request, context),
    channel: channels.raceActivity(raceId),
    snapshot: () => remainingPlaces(raceId),
    resnapshotEveryMs: 250,
  });
}
