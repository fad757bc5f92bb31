import type { LoaderFunctionArgs } from "@remix-run/node";
import type { CheckinSnapshot } from "~/components/checkin-feed";
import { channels, type RaceActivityMessage } from "~/realtime/channels";
import { liveStream } from "~/realtime/stream.server";
import { checkinCounts } from "~/services/checkin.server";
import { requireRaceRole } from "~/web/access.server";

/** Live "N of M checked in" for the check-in desks of one race, while the viewer is still on its staff. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const staff = () => requireRaceRole(request, params.raceId, "CHECKIN");
  const { race, user } = await staff();
  return liveStream<RaceActivityMessage, CheckinSnapshot>({
    request,
    context,
    viewer: { userId: user.id, authorize: staff },
    channel: channels.raceActivity(race.id),
    snapshot: async () => ({ type: "snapshot", ...(await checkinCounts(race.id)) }),
  });
}
