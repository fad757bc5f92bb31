import type { JobHandler } from "../handler";
import { settleAbandonedAiJobs } from "~/services/ai-jobs.server";
import { expireCredits } from "~/services/credits.server";
import { requeueStaleEmails } from "~/services/email.server";
import { queueCancellationRefunds } from "~/services/race-cancellation.server";
import { deleteExpiredNotifications } from "~/services/notifications.server";
import { deleteExpiredSessions } from "~/services/sessions.server";
import { watchOperations } from "~/services/operations-watch.server";
import { pruneProcessedStripeEvents, requeueUnprocessedStripeEvents } from "~/services/stripe-events.server";
import { getEnv } from "~/utils/env.server";

/**
 * Work recorded in Postgres (a Stripe event, an email, an AI job, a cancellation refund) left pending this long
 * without a job running it is queued again. A catch-up run (the worker started, or Redis came back and may have
 * lost its queues) queues everything pending at once: queueing work whose job waits or runs is a no-op.
 */
export const REQUEUE_AFTER_MS = 60_000;

export const housekeepingSweep: JobHandler<"housekeeping.sweep"> = {
  run: async ({ catchUpAt }) => {
    const olderThanMs = catchUpAt ? 0 : REQUEUE_AFTER_MS;
    const [sessions, notifications, emails, stripeEvents, expiredCredits, settledAiJobs, cancellationRefunds, prunedStripeEvents, alertsRaised] = await Promise.all([
      deleteExpiredSessions(),
      deleteExpiredNotifications(),
      requeueStaleEmails(olderThanMs),
      requeueUnprocessedStripeEvents(olderThanMs),
      expireCredits(),
      settleAbandonedAiJobs({ olderThanMs }),
      // Rows of a cancelled race whose job could not be queued after the commit (Redis down).
      queueCancellationRefunds(catchUpAt ? {} : { olderThanMs: REQUEUE_AFTER_MS }),
      pruneProcessedStripeEvents(getEnv().STRIPE_EVENT_RETENTION_DAYS),
      watchOperations(),
    ]);
    return {
      catchUp: Boolean(catchUpAt),
      expiredSessions: sessions,
      expiredNotifications: notifications,
      requeuedEmails: emails,
      requeuedStripeEvents: stripeEvents,
      expiredCredits,
      settledAiJobs,
      requeuedCancellationRefunds: cancellationRefunds,
      prunedStripeEvents,
      alertsRaised,
    };
  },
};
