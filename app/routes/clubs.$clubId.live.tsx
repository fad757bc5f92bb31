import type { LoaderFunctionArgs } from "@remix-run/node";
import { channels, type ClubChangedMessage } from "~/realtime/channels";
import { liveStream } from "~/realtime/stream.server";
import { isDomainError } from "~/lib/errors";
import { clubView, type ClubLive } from "~/presenters/clubs.server";
import { watchClub } from "~/services/club-presence.server";
import { markClubRead, requireClubMember } from "~/services/clubs.server";
import { requireUser } from "~/web/auth.server";

/** The club feed's snapshot rate: any change (chat, answers, who is online) reaches an open page within a second. */
export const CLUB_FEED_EVERY_MS = 1_000;

/** 404 for a private club to anyone outside it (as the page), 403 for a public club's non-members. */
async function memberOrRefuse(clubId: string, userId: string) {
  try {
    return await requireClubMember(clubId, userId);
  } catch (error) {
    if (isDomainError(error, "not_found")) throw new Response("Not found", { status: 404 });
    if (isDomainError(error, "forbidden")) throw new Response("Join the club to follow it live.", { status: 403 });
    throw error;
  }
}

/**
 * The club live, for its members: members with who is online, chat, events and attendance, rooms — re-read on
 * every change. While it is open the member counts as "here now" (docs/decisions/0091) and their unread count for
 * the club stays zero. It ends when the member leaves or is removed.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const club = await memberOrRefuse(params.clubId ?? "", user.id);
  return liveStream<ClubChangedMessage, ClubLive>({
    request,
    context,
    viewer: { userId: user.id, authorize: async () => memberOrRefuse(club.id, (await requireUser(request)).id) },
    channel: [channels.club(club.id), channels.clubPresence(club.id)],
    hold: async () => {
      const leave = watchClub(club.id, user.id);
      return async () => leave();
    },
    snapshot: async () => {
      try {
        const view = await clubView(club.id, user.id);
        if (!view.members) return { id: club.id, gone: true as const };
        await markClubRead(club.id, user.id);
        return view;
      } catch (error) {
        if (isDomainError(error, "not_found")) return { id: club.id, gone: true as const };
        throw error;
      }
    },
    resnapshotEveryMs: CLUB_FEED_EVERY_MS,
  });
}
