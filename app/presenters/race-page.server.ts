import { ticketAvailability } from "~/services/race-availability.server";

/** Places left per ticket type: the public live feed of a race page. */
export async function remainingPlaces(raceId: string) {
  const types = await ticketAvailability(raceId);
  return { type: "availability" as const, remaining: Object.fromEntries(types.map((t) => [t.id, t.remaining])) };
}
