/**
 * The rules of a discount code, without the database: whether a code may be used now by this buyer for
 * these tickets, and how much it takes off each line.
 *
 * Rounding (all amounts are integer minor units):
 * - PERCENT: each in-scope line's discount is `lineTotal × percent / 100` rounded half up, per line
 *   (so a refund of a line can return exactly what was charged for it). 100 % takes off the whole line.
 * - FIXED: the amount is taken once per order, capped at the in-scope subtotal, and spread over the
 *   in-scope lines in proportion to their totals by the largest-remainder method, so the shares add up
 *   to the discount exactly and no line goes below zero (ties go to the earlier line).
 * Lines outside the code's scope are never discounted.
 */
export type DiscountLine = { ticketTypeId: string; priceMinor: number; quantity: number };

export type DiscountRule = {
  id: string;
  code: string;
  kind: "PERCENT" | "FIXED";
  /** Percent off (1–100) for PERCENT, minor units off for FIXED. */
  amount: number;
  active: boolean;
  validFrom: Date | null;
  validUntil: Date | null;
  maxRedemptions: number | null;
  redemptionCount: number;
  perUserLimit: number | null;
  /** Empty means every ticket type. */
  ticketTypeIds: string[];
};

export type DiscountRejection = "unknown_code" | "inactive" | "not_yet_valid" | "expired" | "used_up" | "per_user_limit" | "not_applicable";

export type DiscountEvaluation =
  | { ok: true; codeId: string; code: string; discountMinor: number; perLine: { ticketTypeId: string; discountMinor: number }[] }
  | { ok: false; reason: DiscountRejection; message: string };

export const rejectionMessages: Record<DiscountRejection, string> = {
  unknown_code: "We don't recognise that code. Check the spelling and try again.",
  inactive: "This code is no longer active.",
  not_yet_valid: "This code can't be used yet.",
  expired: "This code has expired.",
  used_up: "This code has been used the maximum number of times.",
  per_user_limit: "You have already used this code as many times as it allows.",
  not_applicable: "This code doesn't apply to the tickets you chose.",
};

export function reject(reason: DiscountRejection): DiscountEvaluation {
  return { ok: false, reason, message: rejectionMessages[reason] };
}

/** Codes are stored upper-case; what a buyer types is matched case-insensitively. */
export function normaliseCode(code: string) {
  return code.trim().toUpperCase();
}

/** Per-user limits count by buyer email, whatever its case. */
export function normaliseEmail(email: string) {
  return email.trim().toLowerCase();
}

function assertLines(lines: DiscountLine[]) {
  for (const line of lines) {
    if (!Number.isSafeInteger(line.priceMinor) || line.priceMinor < 0) throw new RangeError(`priceMinor must be a non-negative integer: ${line.priceMinor}`);
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 1) throw new RangeError(`quantity must be a positive integer: ${line.quantity}`);
  }
}

/** Splits `total` over `weights` in proportion, exactly, by largest remainder. */
function allocate(total: number, weights: number[]) {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return weights.map(() => 0);
  const shares = weights.map((weight) => Math.floor((total * weight) / sum));
  let left = total - shares.reduce((a, b) => a + b, 0);
  const byRemainder = weights
    .map((weight, index) => ({ index, remainder: (total * weight) % sum }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (left === 0) break;
    shares[index]! += 1;
    left -= 1;
  }
  return shares;
}

/**
 * Applies a code (or null when none matched) to an order's lines. `usesByEmail` is how many paid orders
 * of this buyer email already used the code. Checks run in the order of the rejection reasons above.
 */
export function applyDiscountRule(
  rule: DiscountRule | null,
  { lines, now, usesByEmail }: { lines: DiscountLine[]; now: Date; usesByEmail: number },
): DiscountEvaluation {
  assertLines(lines);
  if (!rule) return reject("unknown_code");
  if (!rule.active) return reject("inactive");
  if (rule.validFrom && now < rule.validFrom) return reject("not_yet_valid");
  if (rule.validUntil && now > rule.validUntil) return reject("expired");
  if (rule.maxRedemptions !== null && rule.redemptionCount >= rule.maxRedemptions) return reject("used_up");
  if (rule.perUserLimit !== null && usesByEmail >= rule.perUserLimit) return reject("per_user_limit");

  const scope = new Set(rule.ticketTypeIds);
  const inScope = (line: DiscountLine) => scope.size === 0 || scope.has(line.ticketTypeId);
  if (!lines.some(inScope)) return reject("not_applicable");

  const lineTotals = lines.map((line) => (inScope(line) ? line.priceMinor * line.quantity : 0));
  const perLineMinor =
    rule.kind === "PERCENT"
      ? lineTotals.map((total) => Math.floor((total * rule.amount + 50) / 100))
      : allocate(Math.min(rule.amount, lineTotals.reduce((a, b) => a + b, 0)), lineTotals);
  const perLine = lines.map((line, index) => ({ ticketTypeId: line.ticketTypeId, discountMinor: perLineMinor[index]! }));
  return { ok: true, codeId: rule.id, code: rule.code, discountMinor: perLineMinor.reduce((a, b) => a + b, 0), perLine };
}

/** How a code stands right now, for the organiser's list. */
export function discountCodeState(
  code: Pick<DiscountRule, "active" | "validFrom" | "validUntil" | "maxRedemptions" | "redemptionCount">,
  now: Date,
) {
  if (!code.active) return { label: "inactive", tone: "bad" } as const;
  if (code.validUntil && now > code.validUntil) return { label: "expired", tone: "warn" } as const;
  if (code.maxRedemptions !== null && code.redemptionCount >= code.maxRedemptions) return { label: "used up", tone: "warn" } as const;
  if (code.validFrom && now < code.validFrom) return { label: "scheduled", tone: "neutral" } as const;
  return { label: "active", tone: "good" } as const;
}
