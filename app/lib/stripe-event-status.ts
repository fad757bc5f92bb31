/** How the operator's Stripe inbox labels a stored event: processed, failed for good (still re-queued), or waiting. */
export function stripeEventStatus(event: { processedAt: string | Date | null; failedAt: string | Date | null }) {
  if (event.processedAt) return { label: "processed", tone: "good" as const };
  if (event.failedAt) return { label: "failed", tone: "bad" as const };
  return { label: "unprocessed", tone: "warn" as const };
}
