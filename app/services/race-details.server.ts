import { db } from "~/utils/db.server";
import { utcToZonedLocal } from "~/lib/time";

/** What the organiser overview shows about a race. */
export async function raceOverview(raceId: string) {
  return db.race.findUniqueOrThrow({
    where: { id: raceId },
    select: {
      id: true,
      name: true,
      slug: true,
      status: true,
      location: true,
      startsAt: true,
      timeZone: true,
      currency: true,
      coverImageKey: true,
      registrationOpensAt: true,
      registrationClosesAt: true,
      organisationId: true,
      ticketTypes: { where: { archivedAt: null }, select: { name: true, capacity: true, soldCount: true, heldCount: true, priceMinor: true } },
      _count: { select: { waivers: true, discountCodes: true, questions: true, participants: true } },
    },
  });
}

/** The race as the edit form's default values, times on the race's wall clock. */
export async function raceFormValues(raceId: string) {
  const race = await db.race.findUniqueOrThrow({
    where: { id: raceId },
    select: { name: true, slug: true, description: true, faq: true, location: true, timeZone: true, startsAt: true, registrationOpensAt: true, registrationClosesAt: true, currency: true, holdMinutes: true, taxMode: true, taxRateBps: true },
  });
  const local = (date: Date | null) => (date ? utcToZonedLocal(date, race.timeZone) : "");
  const { taxRateBps, ...fields } = race;
  return {
    ...fields,
    taxRatePercent: taxRateBps / 100,
    startsAt: local(race.startsAt),
    registrationOpensAt: local(race.registrationOpensAt),
    registrationClosesAt: local(race.registrationClosesAt),
  };
}
