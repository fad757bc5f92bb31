import type { LoaderFunctionArgs } from "@remix-run/node";
import { channels, type UserFeedMessage, type UserFeedSnapshot } from "~/realtime/channels";
import { liveStream } from "~/realtime/stream.server";
import { creditBalance } from "~/services/credits.server";
import { activeNotifications } from "~/services/notifications.server";
import { getUser, sessionViewer } from "~/web/auth.server";

/** The signed-in user's live feed: notifications and credit balance. It ends when the session does. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getUser(request);
  if (!user) throw new Response("Log in to receive live updates.", { status: 401 });
  return liveStream<UserFeedMessage, UserFeedSnapshot>({
    request,
    context,
    viewer: sessionViewer(request, user),
    channel: channels.user(user.id),
    snapshot: async () => {
      const [notifications, balance] = await Promise.all([activeNotifications(user.id), creditBalance(user.id)]);
      return { type: "snapshot", notifications, creditBalance: balance };
    },
  });
}
