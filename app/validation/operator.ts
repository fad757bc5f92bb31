import { z } from "zod";

// Queue and job names are checked against the job catalog by the service (app/services/job-admin.server.ts).
const queue = z.string({ required_error: "Say which queue the job is in." }).min(1, "Say which queue the job is in.").max(100);
const jobName = z.string({ required_error: "Say which kind of job to retry." }).min(1, "Say which kind of job to retry.").max(100);
const jobId = z.string({ required_error: "Say which job this is." }).min(1, "Say which job this is.").max(500);

/** The dead-letter list's three actions; a discard needs the operator's reason. */
export const failedJobActionSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("retry"), queue, jobId }),
  z.object({ intent: z.literal("retry-all"), name: jobName }),
  z.object({
    intent: z.literal("discard"),
    queue,
    jobId,
    reason: z.string({ required_error: "Say why it is discarded." }).trim().min(3, "Say why it is discarded.").max(500, "Keep the reason under 500 characters."),
  }),
], { errorMap: () => ({ message: "Choose retry, retry all or discard." }) });

/** `?kind=` on the dead-letter list: one job kind, or all. */
export const failedJobKindSchema = z.string().max(100).optional().catch(undefined);

/** The Stripe inbox's filters (`?type=&status=&age=`); anything unknown means "all". */
export const stripeInboxFilterSchema = z.object({
  type: z.string().trim().max(100).regex(/^[a-z_.]*$/).optional().catch(undefined).transform((t) => t || undefined),
  status: z.enum(["processed", "unprocessed", "failed"]).optional().catch(undefined),
  age: z.enum(["1h", "24h", "7d", "older"]).optional().catch(undefined),
});

export type StripeInboxQuery = z.infer<typeof stripeInboxFilterSchema>;

export const ageWindows = { "1h": { newerThanHours: 1 }, "24h": { newerThanHours: 24 }, "7d": { newerThanHours: 24 * 7 }, older: { olderThanHours: 24 * 7 } } as const;

/** The reconciliation page's two actions: run now, or resolve a flag with what was done about it. */
export const reconciliationActionSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("run") }),
  z.object({
    intent: z.literal("resolve"),
    flagId: z.string({ required_error: "Say which flag this is." }).min(1, "Say which flag this is.").max(100),
    note: z.string({ required_error: "Say what was done about it." }).trim().min(3, "Say what was done about it.").max(1000, "Keep the note under 1,000 characters."),
  }),
], { errorMap: () => ({ message: "Choose run or resolve." }) });

/** Which flags the reconciliation page lists (`?show=`); anything else means the open ones. */
export const reconciliationFilterSchema = z.enum(["open", "resolved"]).catch("open");
