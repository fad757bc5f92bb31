import { randomBytes } from "node:crypto";
import type { Prisma, RaceStatus } from "@prisma/client";
import type { RaceInput } from "~/validation/races";
import { db, type Db } from "~/utils/db.server";
import { zonedLocalToUtc } from "~/lib/time";
import { diff, recordAudit } from "./audit.server";
import { emailVerificationBlocker } from "./email-verification.server";
import { announcePublicRacesChanged, cachedPublicRead } from "./public-races-cache.server";
import { recordCancellationRefunds, startCancellationRefunds } from "./race-cancellation.server";
import { slugify } from "./organisations.server";
import { DomainError } from "~/lib/errors";

export class RaceInputError extends DomainError {
  constructor(field: keyof RaceInput | "form", message: string) {
    super("conflict", message, { field });
    this.name = "RaceInputError";
  }
}

function toRaceData(input: RaceInput) {
  const at = (local?: string) => (local ? zonedLocalToUtc(local, input.timeZone) : null);
  return {
    name: input.name,
    description: input.description,
    faq: input.faq,
    location: input.location,
    timeZone: input.timeZone,
    startsAt: at(input.startsAt)!,
    registrationOpensAt: at(input.registrationOpensAt),
    registrationClosesAt: at(input.registrationClosesAt),
    currency: input.currency,
    holdMinutes: input.holdMinutes,
    taxMode: input.taxMode,
    taxRateBps: input.taxMode === "FIXED_RATE" ? Math.round(input.taxRatePercent * 100) : 0,
  };
}

async function slugTaken(tx: Db, slug: string, exceptRaceId?: string) {
  const [race, old] = await Promise.all([
    tx.race.findUnique({ where: { slug }, select: { id: true } }),
    tx.raceSlug.findUnique({ where: { slug }, select: { raceId: true } }),
  ]);
  return Boolean((race && race.id !== exceptRaceId) || (old && old.raceId !== exceptRaceId));
}

async function freeSlug(tx: Db, wanted: string) {
  if (!(await slugTaken(tx, wanted))) return wanted;
  for (let n = 2; n < 50; n++) if (!(await slugTaken(tx, `${wanted}-${n}`))) return `${wanted}-${n}`;
  return `${wanted}-${randomBytes(3).toString("hex")}`;
}

export async function createRace(organisationId: string, actorId: string, input: RaceInput) {
  return db.$transaction(async (tx) => {
    let slug: string;
    if (input.slug) {
      if (await slugTaken(tx, input.slug)) throw new RaceInputError("slug", `The address /races/${input.slug} is taken; choose another.`);
      slug = input.slug;
    } else {
      slug = await freeSlug(tx, slugify(input.name));
    }
    const race = await tx.race.create({ data: { organisationId, slug, ...toRaceData(input) }, select: { id: true, slug: true } });
    await recordAudit(tx, {
      organisationId,
      raceId: race.id,
      actorId,
      action: "race.created",
      entityType: "race",
      entityId: race.id,
      changes: { name: input.name, slug },
    });
    return race;
  });
}

const auditedFields = {
  name: true,
  slug: true,
  description: true,
  faq: true,
  location: true,
  timeZone: true,
  startsAt: true,
  registrationOpensAt: true,
  registrationClosesAt: true,
  currency: true,
  holdMinutes: true,
  taxMode: true,
  taxRateBps: true,
  coverImageKey: true,
} as const;

/** Edits a race; a new slug keeps the old one as a redirect. */
export async function updateRace(raceId: string, actorId: string, input: RaceInput) {
  const updated = await db.$transaction(async (tx) => {
    const before = await tx.race.findUniqueOrThrow({ where: { id: raceId }, select: { ...auditedFields, organisationId: true } });
    const slug = input.slug ?? before.slug;
    if (slug !== before.slug) {
      if (await slugTaken(tx, slug, raceId)) throw new RaceInputError("slug", `The address /races/${slug} is taken; choose another.`);
      await tx.raceSlug.deleteMany({ where: { slug } });
      await tx.raceSlug.create({ data: { slug: before.slug, raceId } });
    }
    const data = { ...toRaceData(input), slug };
    const after = await tx.race.update({ where: { id: raceId }, data, select: auditedFields });
    const changes = diff(before, after);
    if (Object.keys(changes).length) {
      await recordAudit(tx, { organisationId: before.organisationId, raceId, actorId, action: "race.updated", entityType: "race", entityId: raceId, changes });
    }
    return after;
  });
  await announcePublicRacesChanged();
  return updated;
}

export async function setCoverImage(raceId: string, actorId: string, key: string | null) {
  const previousKey = await db.$transaction(async (tx) => {
    const before = await tx.race.findUniqueOrThrow({ where: { id: raceId }, select: { coverImageKey: true, organisationId: true } });
    await tx.race.update({ where: { id: raceId }, data: { coverImageKey: key } });
    await recordAudit(tx, {
      organisationId: before.organisationId,
      raceId,
      actorId,
      action: key ? "race.cover_uploaded" : "race.cover_removed",
      entityType: "race",
      entityId: raceId,
      changes: { coverImageKey: { from: before.coverImageKey, to: key } },
    });
    return before.coverImageKey;
  });
  await announcePublicRacesChanged();
  return previousKey;
}

type StatusChange = "publish" | "close" | "reopen" | "cancel";

const transitions: Record<StatusChange, { from: RaceStatus[]; to: RaceStatus; done: string }> = {
  publish: { from: ["DRAFT"], to: "PUBLISHED", done: "published" },
  close: { from: ["PUBLISHED"], to: "CLOSED", done: "closed" },
  reopen: { from: ["CLOSED"], to: "PUBLISHED", done: "reopened" },
  cancel: { from: ["DRAFT", "PUBLISHED", "CLOSED"], to: "CANCELLED", done: "cancelled" },
};

/** Why a race cannot be published yet by this organiser (an empty list when it can). */
export async function publishBlockers(raceId: string, actorId: string, tx: Db = db) {
  const race = await tx.race.findUniqueOrThrow({
    where: { id: raceId },
    select: {
      startsAt: true,
      ticketTypes: { where: { archivedAt: null }, select: { priceMinor: true } },
      _count: { select: { waivers: true } },
    },
  });
  const blockers: string[] = [];
  if (race.ticketTypes.length === 0) blockers.push("Add at least one ticket type.");
  if (race._count.waivers === 0) blockers.push("Write the waiver participants will sign.");
  if (race.startsAt <= new Date()) blockers.push("The start time is in the past.");
  const unverified = await emailVerificationBlocker(actorId, "publish a race", tx);
  if (unverified) blockers.push(unverified);
  return { blockers, hasPaidTickets: race.ticketTypes.some((t) => t.priceMinor > 0), emailUnverified: Boolean(unverified) };
}

export class RaceStatusError extends DomainError {
  constructor(reasons: string[]) {
    super("conflict", reasons.join(" "));
    this.name = "RaceStatusError";
  }
}

/**
 * Publishes, closes, reopens or cancels a race. `extraBlockers` lets the caller add conditions it owns
 * (e.g. payout setup for paid races) without this service knowing about payments. Cancelling refunds every paid
 * order in full (one job each, recorded in the same transaction) and ends the checkouts in progress.
 */
export async function changeRaceStatus(raceId: string, actorId: string, change: StatusChange, extraBlockers: string[] = []) {
  const status = await db.$transaction(async (tx) => {
    // Locked before it is read: two changes at once (reopen and cancel) apply one after the other, never from one
    // stale read; and holds and payments, which share-lock this row, see the cancellation or are seen by it. NO KEY
    // UPDATE, the lock the UPDATE takes anyway: rows referencing the race (audit entries, orders) can still be written.
    const [race] = await tx.$queryRaw<{ status: RaceStatus; organisationId: string }[]>`
      SELECT status, "organisationId" FROM "Race" WHERE id = ${raceId} FOR NO KEY UPDATE`;
    if (!race) throw new RaceStatusError(["This race no longer exists."]);
    const rule = transitions[change];
    if (!rule.from.includes(race.status)) {
      throw new RaceStatusError([`A ${race.status.toLowerCase()} race cannot be ${rule.done}.`]);
    }
    if (change === "publish") {
      const { blockers } = await publishBlockers(raceId, actorId, tx);
      if (blockers.length || extraBlockers.length) throw new RaceStatusError([...blockers, ...extraBlockers]);
    }
    const data: Prisma.RaceUpdateInput = { status: rule.to };
    if (change === "publish") data.publishedAt = new Date();
    await tx.race.update({ where: { id: raceId }, data });
    await recordAudit(tx, {
      organisationId: race.organisationId,
      raceId,
      actorId,
      action: `race.${rule.done}`,
      entityType: "race",
      entityId: raceId,
      changes: { status: { from: race.status, to: rule.to } },
    });
    if (change === "cancel") await recordCancellationRefunds(tx, raceId);
    return rule.to;
  });
  await announcePublicRacesChanged();
  if (status === "CANCELLED") await startCancellationRefunds(raceId);
  return status;
}

/** A published (or closed/cancelled) race by its slug; an old slug returns where it moved. Cached (ADR 0111). */
export function findPublicRace(slug: string) {
  return cachedPublicRead(`race:${slug}`, () => readPublicRace(slug));
}

async function readPublicRace(slug: string) {
  const race = await db.race.findUnique({
    where: { slug },
    select: {
      id: true,
      name: true,
      slug: true,
      status: true,
      description: true,
      faq: true,
      location: true,
      timeZone: true,
      startsAt: true,
      registrationOpensAt: true,
      registrationClosesAt: true,
      currency: true,
      coverImageKey: true,
      organisation: { select: { name: true } },
    },
  });
  if (race && race.status !== "DRAFT") return { race };
  if (race) return null;
  const moved = await db.raceSlug.findUnique({ where: { slug }, select: { race: { select: { slug: true, status: true } } } });
  if (moved && moved.race.status !== "DRAFT") return { movedTo: moved.race.slug };
  return null;
}

/** Races of the organisations the user belongs to. */
export function racesForUser(userId: string) {
  return db.race.findMany({
    where: { organisation: { members: { some: { userId } } } },
    orderBy: [{ startsAt: "asc" }],
    select: {
      id: true,
      name: true,
      status: true,
      startsAt: true,
      timeZone: true,
      location: true,
      organisation: { select: { name: true } },
      ticketTypes: { where: { archivedAt: null }, select: { capacity: true, soldCount: true } },
    },
  });
}


