import type { Prisma } from "@prisma/client";
import { db, type Db } from "~/utils/db.server";
import { priceInForce, tierInForce } from "~/lib/pricing";
import type { PriceTierInput, TicketTypeInput } from "~/validation/ticket-types";
import { diff as auditDiff, recordAudit } from "./audit.server";
import { announceSale } from "./race-stats.server";
import { offerFreedPlacesSoon } from "./waitlist-offers.server";
import { NotFoundError, RuleViolationError } from "~/lib/errors";

/** `diff` typed as the JSON the audit entry stores (its values are JSON scalars by construction). */
function diff(...args: Parameters<typeof auditDiff>) {
  return auditDiff(...args) as Prisma.InputJsonObject;
}

/** Who changes which race; the route has already checked the actor's role in it. */
export type RaceActor = { raceId: string; actorId: string };

const editableFields = {
  name: true,
  description: true,
  priceMinor: true,
  capacity: true,
  salesStartAt: true,
  salesEndAt: true,
  minAge: true,
  maxPerOrder: true,
  bibRangeStart: true,
  bibRangeEnd: true,
  sortOrder: true,
} as const;

/**
 * Locks the race row so that ticket type writes of one race run one at a time (the bib-range and
 * name checks read the race's other ticket types), and returns its organisation for the audit entry.
 */
async function lockRace(tx: Prisma.TransactionClient, raceId: string) {
  const rows = await tx.$queryRaw<{ organisationId: string }[]>`SELECT "organisationId" FROM "Race" WHERE "id" = ${raceId} FOR NO KEY UPDATE`;
  if (!rows[0]) throw new NotFoundError("This race no longer exists.");
  return rows[0].organisationId;
}

/** Locks one ticket type of the race: checkout changes soldCount/heldCount under the same lock. */
async function lockTicketType(tx: Prisma.TransactionClient, raceId: string, ticketTypeId: string) {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "TicketType" WHERE "id" = ${ticketTypeId} AND "raceId" = ${raceId} FOR UPDATE`;
  if (!rows[0]) throw new NotFoundError("This ticket type does not exist in this race.");
  return tx.ticketType.findUniqueOrThrow({
    where: { id: ticketTypeId },
    select: { ...editableFields, id: true, soldCount: true, heldCount: true, archivedAt: true },
  });
}

async function checkAgainstOtherTypes(tx: Db, raceId: string, input: TicketTypeInput, ticketTypeId?: string) {
  const others = await tx.ticketType.findMany({
    where: { raceId, id: ticketTypeId ? { not: ticketTypeId } : undefined },
    select: { name: true, archivedAt: true, bibRangeStart: true, bibRangeEnd: true },
  });
  const sameName = others.find((other) => !other.archivedAt && other.name.toLowerCase() === input.name.toLowerCase());
  if (sameName) throw new RuleViolationError("name", `Another ticket type of this race is already called “${sameName.name}”.`);
  if (input.bibRangeStart === null || input.bibRangeEnd === null) return;
  // Archived types count too: tickets they issued keep their bibs.
  for (const other of others) {
    if (other.bibRangeStart === null || other.bibRangeEnd === null) continue;
    if (input.bibRangeStart <= other.bibRangeEnd && other.bibRangeStart <= input.bibRangeEnd) {
      throw new RuleViolationError(
        "bibRangeStart",
        `Bib numbers ${input.bibRangeStart}–${input.bibRangeEnd} overlap “${other.name}” (${other.bibRangeStart}–${other.bibRangeEnd}). Choose numbers no other ticket type uses.`,
      );
    }
  }
}

export async function createTicketType({ raceId, actorId }: RaceActor, input: TicketTypeInput) {
  return db.$transaction(async (tx) => {
    const organisationId = await lockRace(tx, raceId);
    await checkAgainstOtherTypes(tx, raceId, input);
    const ticketType = await tx.ticketType.create({ data: { ...input, raceId }, select: { id: true } });
    await recordAudit(tx, {
      organisationId,
      raceId,
      actorId,
      action: "ticket_type.created",
      entityType: "ticket_type",
      entityId: ticketType.id,
      changes: diff({}, input),
    });
    return ticketType;
  });
}

export async function updateTicketType({ raceId, actorId }: RaceActor, ticketTypeId: string, input: TicketTypeInput) {
  await db.$transaction(async (tx) => {
    const organisationId = await lockRace(tx, raceId);
    const before = await lockTicketType(tx, raceId, ticketTypeId);
    const taken = before.soldCount + before.heldCount;
    if (input.capacity < taken) {
      throw new RuleViolationError(
        "capacity",
        `Capacity can't be below ${taken}: ${before.soldCount} sold and ${before.heldCount} held in checkouts right now.`,
      );
    }
    await checkAgainstOtherTypes(tx, raceId, input, ticketTypeId);
    await tx.ticketType.update({ where: { id: ticketTypeId }, data: input });
    const changes = diff(before, input);
    if (Object.keys(changes).length > 0) {
      await recordAudit(tx, { organisationId, raceId, actorId, action: "ticket_type.updated", entityType: "ticket_type", entityId: ticketTypeId, changes });
    }
  });
  // Places left changed for buyers (capacity, or a type withdrawn or back on sale): race pages re-read them, and
  // places a raised capacity (or a restored type) adds go to the waiting list first (ADR 0070).
  await announceSale(raceId);
  await offerFreedPlacesSoon(raceId);
}

/** Archived types are no longer sold; their tickets stay valid. */
export async function setTicketTypeArchived({ raceId, actorId }: RaceActor, ticketTypeId: string, archived: boolean) {
  await db.$transaction(async (tx) => {
    const organisationId = await lockRace(tx, raceId);
    const before = await lockTicketType(tx, raceId, ticketTypeId);
    if (Boolean(before.archivedAt) === archived) return;
    const archivedAt = archived ? new Date() : null;
    await tx.ticketType.update({ where: { id: ticketTypeId }, data: { archivedAt } });
    await recordAudit(tx, {
      organisationId,
      raceId,
      actorId,
      action: archived ? "ticket_type.archived" : "ticket_type.restored",
      entityType: "ticket_type",
      entityId: ticketTypeId,
      changes: diff({ archivedAt: before.archivedAt }, { archivedAt }),
    });
  });
  // Places left changed for buyers (capacity, or a type withdrawn or back on sale): race pages re-read them, and
  // places a raised capacity (or a restored type) adds go to the waiting list first (ADR 0070).
  await announceSale(raceId);
  await offerFreedPlacesSoon(raceId);
}

/** Only a ticket type that never had a ticket (sold, held or cancelled) can be deleted; others are archived. */
export async function deleteTicketType({ raceId, actorId }: RaceActor, ticketTypeId: string) {
  return db.$transaction(async (tx) => {
    const organisationId = await lockRace(tx, raceId);
    const before = await lockTicketType(tx, raceId, ticketTypeId);
    const tickets = await tx.ticket.count({ where: { ticketTypeId } });
    if (tickets > 0 || before.soldCount > 0 || before.heldCount > 0) {
      throw new RuleViolationError("form", `“${before.name}” already has tickets, so it can't be deleted. Archive it to stop selling it.`);
    }
    await tx.ticketType.delete({ where: { id: ticketTypeId } });
    await recordAudit(tx, {
      organisationId,
      raceId,
      actorId,
      action: "ticket_type.deleted",
      entityType: "ticket_type",
      entityId: ticketTypeId,
      changes: diff({}, { name: before.name, priceMinor: before.priceMinor, capacity: before.capacity }),
    });
  });
}

export async function addPriceTier({ raceId, actorId }: RaceActor, ticketTypeId: string, input: PriceTierInput) {
  return db.$transaction(async (tx) => {
    const organisationId = await lockRace(tx, raceId);
    await lockTicketType(tx, raceId, ticketTypeId);
    const clash = await tx.priceTier.findFirst({ where: { ticketTypeId, endsAt: input.endsAt }, select: { label: true } });
    if (clash) throw new RuleViolationError("endsAt", `“${clash.label}” already ends at that time; give each tier its own end.`);
    const tier = await tx.priceTier.create({ data: { ...input, ticketTypeId }, select: { id: true } });
    await recordAudit(tx, {
      organisationId,
      raceId,
      actorId,
      action: "ticket_type.price_tier_added",
      entityType: "ticket_type",
      entityId: ticketTypeId,
      changes: diff({}, { tierId: tier.id, ...input }),
    });
    return tier;
  });
}

export async function removePriceTier({ raceId, actorId }: RaceActor, ticketTypeId: string, tierId: string) {
  return db.$transaction(async (tx) => {
    const organisationId = await lockRace(tx, raceId);
    await lockTicketType(tx, raceId, ticketTypeId);
    const tier = await tx.priceTier.findFirst({ where: { id: tierId, ticketTypeId }, select: { label: true, priceMinor: true, endsAt: true } });
    if (!tier) throw new NotFoundError("This price tier does not exist.");
    await tx.priceTier.delete({ where: { id: tierId } });
    await recordAudit(tx, {
      organisationId,
      raceId,
      actorId,
      action: "ticket_type.price_tier_removed",
      entityType: "ticket_type",
      entityId: ticketTypeId,
      changes: diff({ tierId, ...tier }, { tierId: null, label: null, priceMinor: null, endsAt: null }),
    });
  });
}

const overviewSelect = {
  ...editableFields,
  id: true,
  soldCount: true,
  heldCount: true,
  archivedAt: true,
  priceTiers: { orderBy: { endsAt: "asc" }, select: { id: true, label: true, priceMinor: true, endsAt: true } },
} satisfies Prisma.TicketTypeSelect;

type OverviewRow = Prisma.TicketTypeGetPayload<{ select: typeof overviewSelect }>;

function withFigures(row: OverviewRow, now: Date) {
  return {
    ...row,
    remaining: Math.max(0, row.capacity - row.soldCount - row.heldCount),
    priceTodayMinor: priceInForce(row.priceMinor, row.priceTiers, now),
    tierToday: tierInForce(row.priceTiers, now)?.label ?? null,
  };
}

/**
 * A race's ticket types for the organiser, active first in their sort order, each with sold, held,
 * remaining and today's price. A race has a handful of ticket types, so the list is not paginated.
 */
export async function ticketTypesOverview(raceId: string, now = new Date()) {
  const rows = await db.ticketType.findMany({
    where: { raceId },
    orderBy: [{ sortOrder: "asc" }, { createdAt: "asc" }],
    select: overviewSelect,
  });
  const all = rows.map((row) => withFigures(row, now));
  return { active: all.filter((row) => !row.archivedAt), archived: all.filter((row) => row.archivedAt) };
}

/** One ticket type of the race with its tiers and figures, or null when it is not in this race. */
export async function ticketTypeDetail(raceId: string, ticketTypeId: string, now = new Date()) {
  const row = await db.ticketType.findFirst({ where: { id: ticketTypeId, raceId }, select: overviewSelect });
  return row ? withFigures(row, now) : null;
}
