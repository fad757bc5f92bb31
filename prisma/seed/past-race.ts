import { checkIn } from "~/services/checkin.server";
import { changeRaceStatus, updateRace } from "~/services/races.server";
import { utcToZonedLocal } from "~/lib/time";
import { db } from "~/utils/db.server";
import type { RaceSpec, SeededRace } from "./races";

const DAY = 24 * 3600 * 1000;

/** Every participant but one in eight came; the check-in desk worked through them over the hour before the start. */
const showedUp = (index: number) => index % 8 !== 7;

/**
 * Turns a freshly built race into one that was run 9 days ago: the check-in staff check its participants in
 * through the check-in service, the race moves to its real date (the services publish only future races, so it
 * was built in the future) and is closed. Check-in times are set to race morning, when the desk scanned them.
 */
export async function runPastRace(race: SeededRace, spec: RaceSpec, { organisationId, organiserId, checkinId, now }: { organisationId: string; organiserId: string; checkinId: string; now: Date }) {
  if (!race.created) return;
  const participants = await db.participant.findMany({ where: { raceId: race.id }, orderBy: { createdAt: "asc" }, select: { id: true } });
  const arrived = participants.filter((_, i) => showedUp(i));
  for (const { id } of arrived) await checkIn({ organisationId, raceId: race.id, participantId: id, actorId: checkinId });

  const startsAt = new Date(now.getTime() - 9 * DAY);
  startsAt.setUTCHours(9, 0, 0, 0);
  await updateRace(race.id, organiserId, { ...spec.race, slug: spec.slug, startsAt: utcToZonedLocal(startsAt, spec.race.timeZone), registrationClosesAt: undefined });
  await db.$transaction(
    arrived.map(({ id }, i) => db.participant.update({ where: { id }, data: { checkedInAt: new Date(startsAt.getTime() - 60 * 60_000 + i * 50_000) } })),
  );
  await changeRaceStatus(race.id, organiserId, "close");
}
