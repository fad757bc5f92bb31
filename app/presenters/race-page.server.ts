import { ticketAvailability } from "~/services/race-availability.server";
import { countRaceViewers } from "~/services/race-presence.server";

/** Places left per ticket type: the public live feed of a race page. */
async function remainingPlaces(raceId: string) {
  const types = await ticketAvailability(raceId);
  return { type: "availability" as const, remaining: Object.fromEntries(types.map((t) => [t.id, t.remaining])) };
}

/** The race page's live feed: places left and the number of people looking at the page now. */
export async function racePageLiveSnapshot(raceId: string) {
  const [places, watching] = await Promise.all([remainingPlaces(raceId), countRaceViewers(raceId)]);
  return { ...places, watching };
}
