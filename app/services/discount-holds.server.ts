import { Prisma } from "@prisma/client";
import { db, type Db } from "~/utils/db.server";
import { applyDiscountRule, normaliseCode, normaliseEmail, rejectionMessages, type DiscountEvaluation, type DiscountLine } from "~/lib/discount-rules";
import { codeSelect } from "./discounts.server";

/**
 * Whether `code` (any case) takes money off these lines for this buyer now, and how much per line
 * (rounding rules in discount-rules.ts). Read-only: checkout calls it to show a price, then `holdDiscount`
 * to count the use. With `orderId`, that order's own hold is not counted against it (applying the code
 * it already holds again is not a second use).
 */
export async function evaluateDiscount(
  { raceId, code, email, lines, now, orderId }: { raceId: string; code: string; email: string; lines: DiscountLine[]; now: Date; orderId?: string },
  tx: Db = db,
): Promise<DiscountEvaluation> {
  const normalised = normaliseCode(code);
  const found = normalised
    ? await tx.discountCode.findUnique({
        where: { raceId_code: { raceId, code: normalised } },
        select: { ...codeSelect, ticketTypes: { select: { id: true } } },
      })
    : null;
  const othersOf = (codeId: string) => ({ discountCodeId: codeId, ...(orderId ? { NOT: { orderId } } : {}) });
  const usesByEmail = found?.perUserLimit != null ? await tx.discountRedemption.count({ where: { ...othersOf(found.id), email: normaliseEmail(email) } }) : 0;
  const ownHold = found && orderId ? await tx.discountRedemption.count({ where: { discountCodeId: found.id, orderId } }) : 0;
  const rule = found && { ...found, redemptionCount: found.redemptionCount - ownHold, ticketTypeIds: found.ticketTypes.map((t) => t.id) };
  return applyDiscountRule(rule, { lines, now, usesByEmail });
}

type DiscountUse = { codeId: string; orderId: string; email: string; userId: string | null };

export type HoldResult =
  | { status: "held"; redemptionId: string }
  /** The order already holds (or has paid with) this code: nothing changed. */
  | { status: "already_held"; redemptionId: string }
  | { status: "used_up"; message: string }
  | { status: "per_user_limit"; message: string };

export type RedeemResult =
  | { status: "counted"; redemptionId: string }
  /** This order was counted before: nothing changed. */
  | { status: "already_counted"; redemptionId: string }
  | { status: "used_up"; message: string }
  | { status: "per_user_limit"; message: string };

type Refusal = { status: "used_up" | "per_user_limit"; message: string };

/** Transaction-scoped advisory lock on a string key (released at commit or rollback). */
async function lockKey(tx: Prisma.TransactionClient, key: string) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
}

function requireTransaction(tx: Prisma.TransactionClient, name: string) {
  if ("$transaction" in tx) throw new Error(`${name} must run inside an interactive transaction`);
}

/** Gives a held use back: deletes the row and decrements the count. Never touches a paid (redeemed) use. */
async function dropHold(tx: Prisma.TransactionClient, orderId: string) {
  const dropped = await tx.$queryRaw<{ discountCodeId: string }[]>`
    DELETE FROM "DiscountRedemption" WHERE "orderId" = ${orderId} AND "redeemedAt" IS NULL RETURNING "discountCodeId"`;
  for (const { discountCodeId } of dropped) {
    await tx.$executeRaw`
      UPDATE "DiscountCode" SET "redemptionCount" = "redemptionCount" - 1, "updatedAt" = now()
      WHERE id = ${discountCodeId} AND "redemptionCount" > 0`;
  }
  return dropped.length > 0;
}

/**
 * Takes one use of a code for an order that has none, as a hold (`redeemedAt` null) or already paid.
 * The caller holds the order's advisory lock. Then, in this order: an advisory lock on code + email (the
 * buyer's count cannot go stale before this use is written), row locks on the codes involved in id order
 * (so two buyers switching codes in opposite directions cannot deadlock), the release of the order's hold
 * on another code, the per-buyer count, and the conditional UPDATE (`redemptionCount < maxRedemptions`),
 * which Postgres re-checks after waiting on the row lock, so concurrent calls never overshoot.
 */
async function takeUse(tx: Prisma.TransactionClient, use: DiscountUse, previousCodeId: string | null, redeemedAt: Date | null): Promise<{ status: "taken"; redemptionId: string } | Refusal> {
  const buyerEmail = normaliseEmail(use.email);
  await lockKey(tx, `discount-buyer:${use.codeId}:${buyerEmail}`);
  const codeIds = [...new Set([use.codeId, previousCodeId].filter((id): id is string => id !== null))].sort();
  await tx.$queryRaw`SELECT id FROM "DiscountCode" WHERE id IN (${Prisma.join(codeIds)}) ORDER BY id FOR UPDATE`;
  if (previousCodeId) await dropHold(tx, use.orderId);
  const code = await tx.discountCode.findUniqueOrThrow({ where: { id: use.codeId }, select: { perUserLimit: true } });
  if (code.perUserLimit !== null) {
    const used = await tx.discountRedemption.count({ where: { discountCodeId: use.codeId, email: buyerEmail } });
    if (used >= code.perUserLimit) return { status: "per_user_limit", message: rejectionMessages.per_user_limit };
  }
  const counted = await tx.$executeRaw`
    UPDATE "DiscountCode" SET "redemptionCount" = "redemptionCount" + 1, "updatedAt" = now()
    WHERE id = ${use.codeId} AND ("maxRedemptions" IS NULL OR "redemptionCount" < "maxRedemptions")`;
  if (counted === 0) return { status: "used_up", message: rejectionMessages.used_up };
  const redemption = await tx.discountRedemption.create({
    data: { discountCodeId: use.codeId, orderId: use.orderId, email: buyerEmail, userId: use.userId, redeemedAt },
    select: { id: true },
  });
  return { status: "taken", redemptionId: redemption.id };
}

/**
 * Holds one use of a code for a pending order, inside the caller's transaction (the one that applies the
 * code to the order, so a rollback gives it back). The hold counts against the maximum and the per-buyer
 * limit exactly like a paid use, until `releaseDiscountHold` gives it back (hold expired, order cancelled,
 * code removed) or `redeemDiscount` makes it final. Applying another code moves the order's hold to it;
 * a refused code leaves the previous hold in place (the caller's rollback keeps it).
 * An advisory lock on the order serialises calls for the same order.
 */
export async function holdDiscount(tx: Prisma.TransactionClient, use: DiscountUse): Promise<HoldResult> {
  requireTransaction(tx, "holdDiscount");
  await lockKey(tx, `discount-order:${use.orderId}`);
  const existing = await tx.discountRedemption.findUnique({ where: { orderId: use.orderId }, select: { id: true, discountCodeId: true, redeemedAt: true } });
  if (existing && (existing.discountCodeId === use.codeId || existing.redeemedAt)) return { status: "already_held", redemptionId: existing.id };
  const taken = await takeUse(tx, use, existing?.discountCodeId ?? null, null);
  return taken.status === "taken" ? { status: "held", redemptionId: taken.redemptionId } : taken;
}

/** Gives back the use a pending order holds, if any (a paid use stays). Runs inside the caller's transaction. */
export async function releaseDiscountHold(tx: Prisma.TransactionClient, orderId: string) {
  requireTransaction(tx, "releaseDiscountHold");
  await lockKey(tx, `discount-order:${orderId}`);
  return dropHold(tx, orderId);
}

/**
 * Makes a code's use final for a paid order, exactly once, inside the caller's transaction (the one that
 * marks the order paid), so a rollback undoes it too.
 * - The order still holds the code: the hold becomes the use (`counted`); it was counted when it was taken.
 * - The hold is gone (the order's hold expired or it was cancelled before the payment arrived): a use is
 *   taken now under the same limits as a hold, and may be refused (`used_up`, `per_user_limit`).
 * - Same order again (even concurrently): the order's advisory lock serialises the calls; the second
 *   finds the paid use and returns `already_counted`.
 * Validity dates and `active` are checked by `evaluateDiscount` when the buyer applies the code.
 */
export async function redeemDiscount(tx: Prisma.TransactionClient, use: DiscountUse): Promise<RedeemResult> {
  requireTransaction(tx, "redeemDiscount");
  await lockKey(tx, `discount-order:${use.orderId}`);
  const existing = await tx.discountRedemption.findUnique({ where: { orderId: use.orderId }, select: { id: true, discountCodeId: true, redeemedAt: true } });
  if (existing?.redeemedAt) return { status: "already_counted", redemptionId: existing.id };
  if (existing?.discountCodeId === use.codeId) {
    await tx.discountRedemption.update({ where: { id: existing.id }, data: { redeemedAt: new Date() } });
    return { status: "counted", redemptionId: existing.id };
  }
  const taken = await takeUse(tx, use, existing?.discountCodeId ?? null, new Date());
  return taken.status === "taken" ? { status: "counted", redemptionId: taken.redemptionId } : taken;
}
