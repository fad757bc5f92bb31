import type { DiscountKind, Prisma } from "@prisma/client";
import { db, isUniqueViolation, type Db } from "~/utils/db.server";
import { diff, recordAudit } from "./audit.server";
import { normaliseCode } from "~/lib/discount-rules";
import { DomainError } from "~/lib/errors";

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
/** A code the organiser cannot save as entered; a code the race already has is a conflict. */
export class DiscountCodeError extends DomainError {
  constructor(field: keyof DiscountCodeInput, message: string) {
    super(field === "code" ? "conflict" : "invalid", message, { field });
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

/** What organisers and checkout read of a code. */
export const codeSelect = {
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
