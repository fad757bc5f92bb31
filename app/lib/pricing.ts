export type PriceTierLike = { priceMinor: number; endsAt: Date | string };

/** The tier whose price applies at `now`: the earliest one that has not ended yet, or none. */
export function tierInForce<T extends PriceTierLike>(tiers: readonly T[], now: Date): T | null {
  const open = tiers.filter((tier) => new Date(tier.endsAt).getTime() > now.getTime());
  open.sort((a, b) => new Date(a.endsAt).getTime() - new Date(b.endsAt).getTime());
  return open[0] ?? null;
}

/**
 * The price of a ticket type at `now`, in minor units. Each tier's price applies until its `endsAt`
 * (exclusive); after the last tier has ended, the base price applies.
 */
export function priceInForce(basePriceMinor: number, tiers: readonly PriceTierLike[], now: Date) {
  return tierInForce(tiers, now)?.priceMinor ?? basePriceMinor;
}
