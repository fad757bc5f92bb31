/** How the billing page explains credits: what is left of each purchase, and which credits of the balance expire when. */

export type GrantFacts = {
  /** Credits the purchase granted. */
  credits: number;
  /** Credits of the grant not yet spent, expired or taken back (null for grants that never expire). */
  remaining: number | null;
  expiresAt: Date | string | null;
  /** Credits that left the balance when the grant expired (its EXPIRY entry), 0 when none did. */
  expiredCredits: number;
};

export type PurchaseCredits =
  | { state: "available"; left: number; expiresAt: string | null }
  | { state: "used_up" }
  | { state: "expired"; expiredCredits: number; expiredAt: string };

const iso = (value: Date | string) => new Date(value).toISOString();

/**
 * A paid purchase's credits: "expired" once its expiry date passed with credits still unspent (whether or not
 * housekeeping has taken them out yet), "used up" when everything was spent first, otherwise what is left.
 */
export function purchaseCredits(grant: GrantFacts, now = new Date()): PurchaseCredits {
  const remaining = grant.remaining ?? grant.credits;
  const expired = grant.expiresAt !== null && new Date(grant.expiresAt) <= now;
  if (expired && (grant.expiredCredits > 0 || remaining > 0)) return { state: "expired", expiredCredits: grant.expiredCredits + remaining, expiredAt: iso(grant.expiresAt!) };
  if (remaining <= 0) return { state: "used_up" };
  return { state: "available", left: remaining, expiresAt: grant.expiresAt ? iso(grant.expiresAt) : null };
}

export type BalanceBreakdown = {
  /** Credits that expire, soonest first, one row per expiry day. */
  expiring: { credits: number; expiresAt: string }[];
  /** The rest of the balance: adjustments and refunded spends, which never expire. */
  neverExpire: number;
};

/** Splits the balance by expiry: each grant's unspent credits expire with it; whatever else the balance holds never does. */
export function balanceBreakdown(balance: number, grants: { remaining: number; expiresAt: Date | string }[]): BalanceBreakdown {
  const byDay = new Map<string, { credits: number; expiresAt: string }>();
  for (const grant of [...grants].sort((a, b) => new Date(a.expiresAt).getTime() - new Date(b.expiresAt).getTime())) {
    if (grant.remaining <= 0) continue;
    const day = iso(grant.expiresAt).slice(0, 10);
    const row = byDay.get(day);
    if (row) row.credits += grant.remaining;
    else byDay.set(day, { credits: grant.remaining, expiresAt: iso(grant.expiresAt) });
  }
  const expiring = [...byDay.values()];
  const expiringTotal = expiring.reduce((sum, row) => sum + row.credits, 0);
  return { expiring, neverExpire: Math.max(0, balance - expiringTotal) };
}
