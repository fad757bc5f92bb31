import type { JobHandler } from "../handler";
import { runReconciliation } from "~/services/reconciliation.server";

/**
 * Compares Stripe with Startline (ADR 0075). An operator's run is recorded under its request; a scheduled run under
 * the time it started. A retried run stores no flag twice (flags are unique per kind and Stripe object).
 */
export const reconciliationRun: JobHandler<"reconciliation.run"> = {
  run: ({ requestedAt, requestedBy }) =>
    runReconciliation(
      requestedAt ? { runId: `requested-${requestedAt}`, trigger: requestedBy ?? "operator" } : { runId: `scheduled-${new Date().toISOString()}`, trigger: "schedule" },
    ),
};
