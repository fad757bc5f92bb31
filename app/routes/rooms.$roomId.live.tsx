import type { LoaderFunctionArgs } from "@remix-run/node";
import { channels, type RoomChangedMessage } from "~/realtime/channels";
import { liveStream } from "~/realtime/stream.server";
import { NotFoundError } from "~/services/errors.server";
import { roomView, type RoomLive } from "~/services/rooms.server";
import { requireUser, sessionViewer } from "~/web/auth.server";
import { foundOr404 } from "~/web/room-replies.server";

/**
 * The room live: members with their registration status and the latest messages, re-read on every
 * change. Authorised on connect like the page; someone removed from a private room gets `gone`.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const room = await foundOr404(roomView(params.roomId ?? "", user.id));
  return liveStream<RoomChangedMessage, RoomLive>({
    request,
    context,
    viewer: sessionViewer(request, user),
    channel: channels.room(room.id),
    snapshot: () =>
      roomView(room.id, user.id).catch((error: unknown) => {
        if (error instanceof NotFoundError) return { id: room.id, gone: true as const };
        throw error;
      }),
    resnapshotEveryMs: 100,
  });
}
