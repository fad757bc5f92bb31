import { db, isUniqueViolation } from "~/utils/db.server";
import { recordAudit } from "./audit.server";

export function slugify(value: string) {
  return (
    value
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60) || "race"
  );
}

/** Creates an organisation owned by the user, who becomes an organiser. */
export async function createOrganisation(userId: string, name: string) {
  const base = slugify(name);
  for (let attempt = 0; attempt < 5; attempt++) {
    const slug = attempt === 0 ? base : `${base}-${Math.random().toString(36).slice(2, 6)}`;
    try {
      return await db.$transaction(async (tx) => {
        const organisation = await tx.organisation.create({ data: { name, slug }, select: { id: true, name: true, slug: true } });
        await tx.organisationMember.create({ data: { organisationId: organisation.id, userId, role: "OWNER" } });
        await tx.user.updateMany({ where: { id: userId, role: "BUYER" }, data: { role: "ORGANISER" } });
        await recordAudit(tx, {
          organisationId: organisation.id,
          actorId: userId,
          action: "organisation.created",
          entityType: "organisation",
          entityId: organisation.id,
          changes: { name },
        });
        return organisation;
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  throw new Error("could not find a free organisation slug");
}

/** The organisations a user belongs to, with their role in each. */
export function membershipsOf(userId: string) {
  return db.organisationMember.findMany({
    where: { userId },
    orderBy: { createdAt: "asc" },
    select: { role: true, organisation: { select: { id: true, name: true, slug: true, connectStatus: true, chargesEnabled: true } } },
  });
}

export function membership(userId: string, organisationId: string) {
  return db.organisationMember.findUnique({
    where: { organisationId_userId: { organisationId, userId } },
    select: { role: true },
  });
}
