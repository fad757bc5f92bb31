import type { JobHandler } from "../handler";
import { requeueStaleEmails } from "~/services/email.server";
import { deleteExpiredNotifications } from "~/services/notifications.server";
import { deleteExpiredSessions } from "~/services/sessions.server";

export const housekeepingSweep: JobHandler<"housekeeping.sweep"> = {
  run: async () => {
    const [sessions, notifications, emails] = await Promise.all([
      deleteExpiredSessions(),
      deleteExpiredNotifications(),
      requeueStaleEmails(),
    ]);
    return { expiredSessions: sessions, expiredNotifications: notifications, requeuedEmails: emails };
  },
};
