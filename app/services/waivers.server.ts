import { db, type Db } from "~/utils/db.server";
import type { WaiverInput } from "~/validation/waivers";
import { diff, recordAudit } from "./audit.server";
import { waiverContentHash } from "./waiver-hash.server";

/** What is read of a waiver version. */
export const versionFields = { id: true, version: true, title: true, text: true, contentHash: true, createdAt: true, createdById: true } as const;

/**
 * The waiver version in force for a race (its highest version), or null if the race has none yet.
 * Checkout pins each new signature to this version (id and content hash) inside its own transaction.
 */
export function waiverInForce(raceId: string, tx: Db = db) {
  return tx.waiverVersion.findFirst({ where: { raceId }, orderBy: { version: "desc" }, select: versionFields });
}

export type SaveWaiverResult =
  | { created: true; version: number; contentHash: string }
  | { created: false; version: number; contentHash: string };

/**
 * Saves the race's waiver. Content that differs from the version in force becomes a new immutable
 * version (previous + 1); identical content creates nothing. Versions are serialised per race by a
 * lock on the race row, so two organisers saving at once get consecutive versions.
 */
export async function saveWaiver({ raceId, actorId, title, text }: WaiverInput & { raceId: string; actorId: string }): Promise<SaveWaiverResult> {
  const contentHash = waiverContentHash(title, text);
  return db.$transaction(async (tx) => {
    const [race] = await tx.$queryRaw<{ organisationId: string }[]>`SELECT "organisationId" FROM "Race" WHERE id = ${raceId} FOR NO KEY UPDATE`;
    if (!race) throw new Error(`race ${raceId} not found`);
    const current = await waiverInForce(raceId, tx);
    if (current?.contentHash === contentHash) return { created: false, version: current.version, contentHash };
    const created = await tx.waiverVersion.create({
      data: { raceId, version: (current?.version ?? 0) + 1, title, text, contentHash, createdById: actorId },
      select: { id: true, version: true },
    });
    await recordAudit(tx, {
      organisationId: race.organisationId,
      raceId,
      actorId,
      action: "waiver.version_created",
      entityType: "waiver_version",
      entityId: created.id,
      changes: { version: created.version, title, contentHash, previousVersion: current?.version ?? null },
    });
    return { created: true, version: created.version, contentHash };
  });
}

/** Sets the age under which participants need a guardian's signature; returns whether it changed. */
export async function updateGuardianAge({ raceId, actorId, guardianUnderAge }: { raceId: string; actorId: string; guardianUnderAge: number }) {
  return db.$transaction(async (tx) => {
    const before = await tx.race.findUniqueOrThrow({ where: { id: raceId }, select: { organisationId: true, guardianUnderAge: true } });
    const changes = diff({ guardianUnderAge: before.guardianUnderAge }, { guardianUnderAge });
    if (Object.keys(changes).length === 0) return { changed: false };
    await tx.race.update({ where: { id: raceId }, data: { guardianUnderAge } });
    await recordAudit(tx, {
      organisationId: before.organisationId,
      raceId,
      actorId,
      action: "race.guardian_age_updated",
      entityType: "race",
      entityId: raceId,
      changes,
    });
    return { changed: true };
  });
}
