import type { LoaderFunctionArgs } from "@remix-run/node";
import { channels, type RaceActivityMessage } from "~/realtime/channels";
import { liveStream } from "~/realtime/stream.server";
import { raceStats, type RaceStats } from "~/services/race-stats.server";
import { requireRaceRole } from "~/web/access.server";

/**
 * Live race stats: a fresh read from Postgres whenever the race's activity channel says something changed,
 * for as long as the viewer is still a manager or owner of the race's organisation.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const manager = () => requireRaceRole(request, params.raceId, "MANAGER");
  const { race, user } = await manager();
  return liveStream<RaceActivityMessage, RaceStats>({
    request,
    context,
    viewer: { userId: user.id, authorize: manager },
    channel: channels.raceActivity(race.id),
    snapshot: () => raceStats(race.id),
    resnapshotEveryMs: 250,
  });
}
