import type { LoaderFunctionArgs } from "@remix-run/node";
import { channels, type RaceActivityMessage, type RacePresenceMessage } from "~/realtime/channels";
import { liveStream } from "~/realtime/stream.server";
import { racePageLiveSnapshot } from "~/services/race-availability.server";
import { watchRace } from "~/services/race-presence.server";
import { findPublicRace } from "~/services/races.server";

/**
 * Public live feed of a race page: places left and how many people are looking now. Anyone who can
 * see the page may listen, and each open stream counts as one viewer while it lasts.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const found = await findPublicRace(params.slug ?? "");
  if (!found?.race) throw new Response("Not found", { status: 404 });
  const raceId = found.race.id;
  return liveStream<RaceActivityMessage | RacePresenceMessage, Awaited<ReturnType<typeof racePageLiveSnapshot>>>({
    request,
    context,
    channel: [channels.raceActivity(raceId), channels.racePresence(raceId)],
    hold: () => watchRace(raceId),
    snapshot: () => racePageLiveSnapshot(raceId),
    resnapshotEveryMs: 250,
  });
}
