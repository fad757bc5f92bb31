/** What users can buy. Prices are integer minor units; the catalog lives in code so a deploy changes it, not a dashboard. */

export type CreditPack = { id: string; name: string; credits: number; amountMinor: number; currency: string };
export type MembershipPlan = { id: string; name: string; creditsPerPeriod: number; amountMinor: number; currency: string; interval: "month" };

/** One-time pack grants expire this many months after purchase. */
export const PACK_VALIDITY_MONTHS = 12;

export const creditPacks: readonly CreditPack[] = [
  { id: "pack_50", name: "Starter pack", credits: 50, amountMinor: 500, currency: "EUR" },
  { id: "pack_200", name: "Race-day pack", credits: 200, amountMinor: 1500, currency: "EUR" },
  { id: "pack_500", name: "Season pack", credits: 500, amountMinor: 3000, currency: "EUR" },
];

/** Each paid invoice grants the allowance; it expires at the end of the following period (one period of rollover). */
export const membershipPlan: MembershipPlan = { id: "monthly", name: "Monthly membership", creditsPerPeriod: 150, amountMinor: 900, currency: "EUR", interval: "month" };

export function findPack(packId: string) {
  return creditPacks.find((pack) => pack.id === packId) ?? null;
}

export function packExpiry(paidAt: Date) {
  const expiry = new Date(paidAt);
  expiry.setUTCMonth(expiry.getUTCMonth() + PACK_VALIDITY_MONTHS);
  return expiry;
}

/** The end of the period after the one that ends at `periodEnd` (a period is as long as the one just paid). */
export function allowanceExpiry(periodStart: Date, periodEnd: Date) {
  return new Date(periodEnd.getTime() + Math.max(periodEnd.getTime() - periodStart.getTime(), 0));
}
