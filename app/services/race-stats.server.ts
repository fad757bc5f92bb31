import { coalescing } from "~/lib/coalescing";
import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { clearSoldOutMarks } from "./sold-out-marks.server";

const publishSales = (raceId: string) => publish(channels.raceActivity(raceId), { type: "sales", at: new Date().toISOString() });

// A rush writes one race hundreds of times a second, and every write announces: the announcements made while one
// is on its way go together in the next (ADR 0113), which still starts after each of them was asked for.
const salesChanged = coalescing(async (raceId) => {
  await clearSoldOutMarks(raceId);
  await publishSales(raceId);
});
const placesHeld = coalescing(publishSales);

/** Tells every open dashboard of the race that sales changed; checkout calls it after committing a sale or refund. */
export function announceSale(raceId: string) {
  return salesChanged(raceId);
}

/**
 * A new hold only took places: dashboards hear of it, but every "sold out" already marked stays true, so the
 * marks stay (clearing them on every hold would send the crowd behind a sell-out back to Postgres).
 */
export function announceHold(raceId: string) {
  return placesHeld(raceId);
}
