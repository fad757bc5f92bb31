import { createOrganisation } from "~/services/organisations.server";
import { acceptInvite, inviteStaff } from "~/services/team.server";
import { db } from "~/utils/db.server";
import type { DemoPeople } from "./accounts";

export const DEMO_ORGANISATION = "Startline Demo Events";

/** The organiser's organisation (created once), with the check-in account on its team through an accepted invite. */
export async function seedOrganisation({ organiser, checkin }: DemoPeople) {
  const owned = await db.organisationMember.findFirst({
    where: { userId: organiser.id, role: "OWNER", organisation: { name: DEMO_ORGANISATION } },
    select: { organisation: { select: { id: true, name: true } } },
  });
  const organisation = owned?.organisation ?? (await createOrganisation(organiser.id, DEMO_ORGANISATION));
  const onTeam = await db.organisationMember.findUnique({ where: { organisationId_userId: { organisationId: organisation.id, userId: checkin.id } }, select: { id: true } });
  if (!onTeam) {
    const { token } = await inviteStaff(organisation.id, organiser.id, checkin.email, "CHECKIN");
    await acceptInvite(token, checkin);
  }
  return organisation;
}
