import type { OrgRole } from "@prisma/client";
import { hasRole } from "~/lib/roles";
import { requireUser } from "./auth.server";
import { db } from "~/utils/db.server";

function notFound(): never {
  throw new Response("Not found", { status: 404 });
}

function forbidden(role: OrgRole, needed: OrgRole): never {
  const names: Record<OrgRole, string> = { OWNER: "owners", MANAGER: "managers", CHECKIN: "check-in staff" };
  throw new Response(`Only ${names[needed]} of this organisation can do this; your role is ${role.toLowerCase()}.`, { status: 403 });
}

/**
 * The signed-in user's role in an organisation. Not a member → 404 (no hint that it exists);
 * a member whose role is too low → 403 with the reason.
 */
export async function requireOrgRole(request: Request, organisationId: string, atLeast: OrgRole) {
  const user = await requireUser(request);
  const member = await db.organisationMember.findUnique({
    where: { organisationId_userId: { organisationId, userId: user.id } },
    select: { role: true, organisation: { select: { id: true, name: true, slug: true } } },
  });
  if (!member) notFound();
  if (!hasRole(member.role, atLeast)) forbidden(member.role, atLeast);
  return { user, role: member.role, organisation: member.organisation };
}

/** Same rule for a race, through the organisation that owns it. */
export async function requireRaceRole(request: Request, raceId: string | undefined, atLeast: OrgRole) {
  const user = await requireUser(request);
  if (!raceId) notFound();
  const race = await db.race.findUnique({
    where: { id: raceId },
    select: {
      id: true,
      name: true,
      slug: true,
      status: true,
      currency: true,
      timeZone: true,
      organisationId: true,
      organisation: { select: { members: { where: { userId: user.id }, select: { role: true } } } },
    },
  });
  const role = race?.organisation.members[0]?.role;
  if (!race || !role) notFound();
  if (!hasRole(role, atLeast)) forbidden(role, atLeast);
  const { organisation: _org, ...raceFields } = race;
  return { user, role, race: raceFields };
}
