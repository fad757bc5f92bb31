import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { channels, type RoomChangedMessage } from "~/realtime/channels";
import { liveStream } from "~/realtime/stream.server";
import { findPublicRace } from "~/services/races.server";
import { roomsOfRace, type RoomsOfRace } from "~/services/rooms.server";
import { requireUser, sessionViewer } from "~/web/auth.server";
import { pageParam } from "~/validation/pagination";

/** One page of a race's public rooms, re-read whenever a room of the race changes (member counts). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const found = await findPublicRace(params.slug ?? "");
  if (!found) throw new Response("Not found", { status: 404 });
  if (!found.race) throw redirect(`/races/${found.movedTo}/rooms/live`, 301);
  const raceId = found.race.id;
  const page = pageParam(request);
  return liveStream<RoomChangedMessage, RoomsOfRace>({
    request,
    context,
    viewer: sessionViewer(request, user),
    channel: channels.raceRooms(raceId),
    snapshot: () => roomsOfRace(raceId, page),
    resnapshotEveryMs: 250,
  });
}
