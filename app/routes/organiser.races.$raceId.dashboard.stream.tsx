import type { LoaderFunctionArgs } from "@remix-run/node";
import { channels, type RaceActivityMessage } from "~/realtime/channels";
import { liveStream } from "~/realtime/stream.server";
import { raceStats, type RaceStats } from "~/services/race-stats.server";
import { requireRaceRole } from "~/utils/access.server";
import { connectionSignal } from "~/utils/request.server";

/** Live race stats: a fresh read from Postgres whenever the race's activity channel says something changed. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "MANAGER");
  return liveStream<RaceActivityMessage, RaceStats>({
    signal: connectionSignal(request, context),
    channel: channels.raceActivity(race.id),
    snapshot: () => raceStats(race.id),
    resnapshotEveryMs: 250,
  });
}
