/** Pure rules of the waiting list (docs/decisions/0070-waiting-list.md). */

/** Where a person claims or follows their waiting-list places: the race page's ticket list. */
export function waitlistPath(slug: string) {
  return `/races/${slug}#waiting-list`;
}

/** The claim window an organiser may set: from Stripe's shortest checkout (30 min) to its longest (24 h). */
export const CLAIM_WINDOW_HOURS = { min: 0.5, max: 24, default: 12 } as const;

export type WaitlistStatusView = "WAITING" | "OFFERED" | "CLAIMED" | "PURCHASED" | "EXPIRED" | "LEFT";

/** What a buyer may do with their entry now. */
export function waitlistActions(status: WaitlistStatusView | null) {
  return {
    canJoin: status === null || status === "LEFT" || status === "EXPIRED",
    canClaim: status === "OFFERED" || status === "CLAIMED",
    canLeave: status === "WAITING" || status === "OFFERED" || status === "CLAIMED",
  };
}
