import type { LoaderFunctionArgs } from "@remix-run/node";
import { channels, type RaceActivityMessage } from "~/realtime/channels";
import { liveStream } from "~/realtime/stream.server";
import { cancellationProgress, type CancellationProgress } from "~/services/race-cancellation.server";
import { requireRaceRole } from "~/web/access.server";

/** Progress of a cancelled race's refunds: re-read whenever the race's sales change (every refund announces one). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "MANAGER");
  return liveStream<RaceActivityMessage, CancellationProgress>({
    request,
    context,
    channel: channels.raceActivity(race.id),
    snapshot: () => cancellationProgress(race.id),
    resnapshotEveryMs: 250,
  });
}
