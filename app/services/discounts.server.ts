import { Prisma, type DiscountKind } from "@prisma/client";
import { db, isUniqueViolation, type Db } from "~/utils/db.server";
import { diff, recordAudit } from "./audit.server";
import { applyDiscountRule, normaliseCode, normaliseEmail, rejectionMessages, type DiscountEvaluation, type DiscountLine } from "~/lib/discount-rules";

export type { DiscountEvaluation, DiscountLine, DiscountRejection } from "~/lib/discount-rules";

/** What an organiser sets on a code. Amount: percent (1–100) or minor units of the race currency. */
export type DiscountCodeInput = {
  code: string;
  kind: DiscountKind;
  amount: number;
  /** Empty: every ticket type of the race. */
  ticketTypeIds: string[];
  maxRedemptions: number | null;
  perUserLimit: number | null;
  validFrom: Date | null;
  validUntil: Date | null;
};

/** A problem with one field of the code's form, shown next to that field. */
export class DiscountCodeError extends Error {
  constructor(
    readonly field: keyof DiscountCodeInput,
    message: string,
  ) {
    super(message);
    this.name = "DiscountCodeError";
  }
}

function assertAmount(input: DiscountCodeInput) {
  const valid = Number.isInteger(input.amount) && input.amount >= 1 && (input.kind === "FIXED" || input.amount <= 100);
  if (!valid) throw new DiscountCodeError("amount", input.kind === "PERCENT" ? "Enter a whole percentage from 1 to 100" : "Enter an amount of at least one minor unit");
}

async function assertTicketTypesOfRace(tx: Db, raceId: string, ticketTypeIds: string[]) {
  if (ticketTypeIds.length === 0) return;
  const found = await tx.ticketType.count({ where: { raceId, id: { in: ticketTypeIds } } });
  if (found !== ticketTypeIds.length) throw new DiscountCodeError("ticketTypeIds", "Choose ticket types of this race");
}

function duplicate(code: string) {
  return new DiscountCodeError("code", `This race already has a code ${code}. Choose another code.`);
}

function auditValues(input: DiscountCodeInput) {
  return { ...input, ticketTypeIds: [...input.ticketTypeIds].sort() };
}

/** Creates a code (stored upper-case). A code already used by the race → DiscountCodeError on "code". */
/** The columns a code's form sets, shared by create and update. */
function codeFields(code: string, input: DiscountCodeInput) {
  return {
    code,
    kind: input.kind,
    amount: input.amount,
    maxRedemptions: input.maxRedemptions,
    perUserLimit: input.perUserLimit,
    validFrom: input.validFrom,
    validUntil: input.validUntil,
  };
}

export async function createDiscountCode({ raceId, actorId, input }: { raceId: string; actorId: string; input: DiscountCodeInput }) {
  assertAmount(input);
  const code = normaliseCode(input.code);
  try {
    return await db.$transaction(async (tx) => {
      const race = await tx.race.findUniqueOrThrow({ where: { id: raceId }, select: { organisationId: true } });
      await assertTicketTypesOfRace(tx, raceId, input.ticketTypeIds);
      const created = await tx.discountCode.create({
        data: { raceId, ...codeFields(code, input), ticketTypes: { connect: input.ticketTypeIds.map((id) => ({ id })) } },
        select: { id: true, code: true },
      });
      const values = auditValues({ ...input, code });
      await recordAudit(tx, {
        organisationId: race.organisationId,
        raceId,
        actorId,
        action: "discount_code.created",
        entityType: "discount_code",
        entityId: created.id,
        changes: { ...values, validFrom: values.validFrom?.toISOString() ?? null, validUntil: values.validUntil?.toISOString() ?? null },
      });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate(code);
    throw error;
  }
}

const codeSelect = {
  id: true,
  code: true,
  kind: true,
  amount: true,
  maxRedemptions: true,
  perUserLimit: true,
  validFrom: true,
  validUntil: true,
  redemptionCount: true,
  active: true,
  ticketTypes: { select: { id: true, name: true }, orderBy: { sortOrder: "asc" } },
} as const satisfies Prisma.DiscountCodeSelect;

/**
 * Changes a code of this race; null if the race has no such code. The row is locked so the check that
 * the maximum is not below the uses so far holds against redemptions running at the same time.
 */
export async function updateDiscountCode({ raceId, codeId, actorId, input }: { raceId: string; codeId: string; actorId: string; input: DiscountCodeInput }) {
  assertAmount(input);
  const code = normaliseCode(input.code);
  try {
    return await db.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "DiscountCode" WHERE id = ${codeId} AND "raceId" = ${raceId} FOR UPDATE`;
      if (locked.length === 0) return null;
      const before = await tx.discountCode.findUniqueOrThrow({ where: { id: codeId }, select: { ...codeSelect, race: { select: { organisationId: true } } } });
      if (input.maxRedemptions !== null && input.maxRedemptions < before.redemptionCount) {
        throw new DiscountCodeError("maxRedemptions", `This code has been used ${before.redemptionCount} times; enter ${before.redemptionCount} or more.`);
      }
      await assertTicketTypesOfRace(tx, raceId, input.ticketTypeIds);
      const after = auditValues({ ...input, code });
      const changes = diff(
        {
          code: before.code,
          kind: before.kind,
          amount: before.amount,
          ticketTypeIds: before.ticketTypes.map((t) => t.id).sort(),
          maxRedemptions: before.maxRedemptions,
          perUserLimit: before.perUserLimit,
          validFrom: before.validFrom,
          validUntil: before.validUntil,
        },
        after,
      );
      if (Object.keys(changes).length === 0) return { changed: false };
      await tx.discountCode.update({
        where: { id: codeId },
        data: { ...codeFields(code, input), ticketTypes: { set: input.ticketTypeIds.map((id) => ({ id })) } },
      });
      await recordAudit(tx, {
        organisationId: before.race.organisationId,
        raceId,
        actorId,
        action: "discount_code.updated",
        entityType: "discount_code",
        entityId: codeId,
        changes,
      });
      return { changed: true };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate(code);
    throw error;
  }
}

/** Deactivates (or reactivates) a code of this race; null if the race has no such code. */
export async function setDiscountCodeActive({ raceId, codeId, actorId, active }: { raceId: string; codeId: string; actorId: string; active: boolean }) {
  return db.$transaction(async (tx) => {
    const before = await tx.discountCode.findFirst({ where: { id: codeId, raceId }, select: { active: true, code: true, race: { select: { organisationId: true } } } });
    if (!before) return null;
    if (before.active === active) return { changed: false, code: before.code };
    await tx.discountCode.update({ where: { id: codeId }, data: { active } });
    await recordAudit(tx, {
      organisationId: before.race.organisationId,
      raceId,
      actorId,
      action: active ? "discount_code.reactivated" : "discount_code.deactivated",
      entityType: "discount_code",
      entityId: codeId,
      changes: { active: { from: before.active, to: active } },
    });
    return { changed: true, code: before.code };
  });
}

/** A race's codes, newest first, with their ticket types and uses; paginated. */
export async function listDiscountCodes(raceId: string, page: number, pageSize = 20, tx: Db = db) {
  const where = { raceId };
  const [total, items] = await Promise.all([
    tx.discountCode.count({ where }),
    tx.discountCode.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "asc" }], skip: (page - 1) * pageSize, take: pageSize, select: codeSelect }),
  ]);
  return { total, pageCount: Math.max(1, Math.ceil(total / pageSize)), items };
}

/** One code of this race, or null. */
export function discountCode(raceId: string, codeId: string, tx: Db = db) {
  return tx.discountCode.findFirst({ where: { id: codeId, raceId }, select: codeSelect });
}

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
