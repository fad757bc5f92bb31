import type { JobHandler } from "../handler";
import { settleAbandonedAiJobs } from "~/services/ai-jobs.server";
import { expireCredits } from "~/services/credits.server";
import { requeueStaleEmails } from "~/services/email.server";
import { queueCancellationRefunds } from "~/services/race-cancellation.server";
import { deleteExpiredNotifications } from "~/services/notifications.server";
import { deleteExpiredSessions } from "~/services/sessions.server";
import { requeueUnprocessedStripeEvents } from "~/services/stripe-events.server";

export const housekeepingSweep: JobHandler<"housekeeping.sweep"> = {
  run: async () => {
    const [sessions, notifications, emails, stripeEvents, expiredCredits, settledAiJobs, cancellationRefunds] = await Promise.all([
      deleteExpiredSessions(),
      deleteExpiredNotifications(),
      requeueStaleEmails(),
      requeueUnprocessedStripeEvents(),
      expireCredits(),
      settleAbandonedAiJobs(),
      // Rows of a cancelled race whose job could not be queued after the commit (Redis down).
      queueCancellationRefunds({ olderThanMs: 5 * 60_000 }),
    ]);
    return { expiredSessions: sessions, expiredNotifications: notifications, requeuedEmails: emails, requeuedStripeEvents: stripeEvents, expiredCredits, settledAiJobs, requeuedCancellationRefunds: cancellationRefunds };
  },
};
