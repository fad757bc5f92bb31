/** How a membership reads on every page (header and billing), from its live view; pure, so both render the same words. */
export type MembershipSummaryInput = {
  planName: string;
  status: "INCOMPLETE" | "ACTIVE" | "PAST_DUE" | "CANCELED";
  currentPeriodEnd: string | Date | null;
  cancelAtPeriodEnd: boolean;
};

export const membershipStatusText = { ACTIVE: "Active", PAST_DUE: "Payment overdue", CANCELED: "Cancelled", INCOMPLETE: "Waiting for payment" } as const;
export const membershipStatusTone = { ACTIVE: "good", PAST_DUE: "warn", CANCELED: "bad", INCOMPLETE: "neutral" } as const;

export function membershipDate(value: string | Date, locale: string) {
  return new Date(value).toLocaleDateString(locale, { dateStyle: "medium", timeZone: "UTC" });
}

/** "Renews" while it will be charged again, "Ends" once cancelled (now or at the period end), "Period ends" while its payment is overdue. */
export function membershipDateLabel(membership: MembershipSummaryInput) {
  if (membership.status === "CANCELED") return "Ended";
  if (membership.cancelAtPeriodEnd) return "Ends";
  if (membership.status === "PAST_DUE") return "Period ends";
  return "Renews";
}

/** Whether the header shows the membership: while it runs or needs attention, not once it ended or was never paid. */
export function showsInHeader(membership: MembershipSummaryInput | null): membership is MembershipSummaryInput {
  return membership?.status === "ACTIVE" || membership?.status === "PAST_DUE";
}

/** The header's words: "Member · renews 2 Jan 2027", "Member · ends …", "Membership payment overdue". */
export function membershipHeadline(membership: MembershipSummaryInput, locale: string) {
  if (membership.status === "PAST_DUE") return "Membership payment overdue";
  if (membership.status !== "ACTIVE") return `Membership ${membershipStatusText[membership.status].toLowerCase()}`;
  if (!membership.currentPeriodEnd) return "Member";
  return `Member · ${membershipDateLabel(membership).toLowerCase()} ${membershipDate(membership.currentPeriodEnd, locale)}`;
}
