import type { LoaderFunctionArgs } from "@remix-run/node";
import { channels, type RoomChangedMessage } from "~/realtime/channels";
import { liveStream } from "~/realtime/stream.server";
import { isDomainError } from "~/lib/errors";
import { roomView, type RoomLive } from "~/presenters/rooms.server";
import { requireUser, sessionViewer } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";

/**
 * The room live: members with their registration status and the latest messages, re-read on every
 * change. Authorised on connect like the page; someone removed from a private room gets `gone`.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const room = await roomView(params.roomId ?? "", user.id).catch((error: unknown) => { throw replyToError(error); });
  return liveStream<RoomChangedMessage, RoomLive>({
    request,
    context,
    viewer: sessionViewer(request, user),
    channel: channels.room(room.id),
    snapshot: () =>
      roomView(room.id, user.id).catch((error: unknown) => {
        if (isDomainError(error, "not_found")) return { id: room.id, gone: true as const };
        throw error;
      }),
    resnapshotEveryMs: 100,
  });
}
