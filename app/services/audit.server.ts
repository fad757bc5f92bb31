import type { Prisma } from "@prisma/client";
import type { Db } from "~/utils/db.server";

type Scalar = string | number | boolean | null | Date | string[] | undefined;

/** `{ field: { from, to } }` for every field whose value differs; dates and arrays compared by value. */
export function diff(before: Record<string, Scalar>, after: Record<string, Scalar>) {
  const normalise = (value: Scalar): Prisma.InputJsonValue | null => (value instanceof Date ? value.toISOString() : value ?? null);
  const changes: Record<string, { from: Prisma.InputJsonValue | null; to: Prisma.InputJsonValue | null }> = {};
  for (const key of Object.keys(after)) {
    const from = normalise(before[key]);
    const to = normalise(after[key]);
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[key] = { from, to };
  }
  return changes as Prisma.InputJsonObject;
}

export type AuditInput = {
  /** Null for an operator's platform action (a job retried, a Stripe event replayed). */
  organisationId: string | null;
  raceId?: string | null;
  actorId: string | null;
  /** e.g. "race.updated", "ticket_type.created", "waiver.version_created" */
  action: string;
  entityType: string;
  entityId: string;
  changes?: Prisma.InputJsonValue;
};

/** Records an organiser change; call inside the transaction that makes the change. */
export async function recordAudit(tx: Db, entry: AuditInput) {
  await tx.auditEntry.create({
    data: { ...entry, raceId: entry.raceId ?? null, changes: entry.changes ?? {} },
  });
}
