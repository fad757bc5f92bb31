import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { clearSoldOutMarks } from "./sold-out-marks.server";

/** Tells every open dashboard of the race that sales changed; checkout calls it after committing a sale or refund. */
export async function announceSale(raceId: string) {
  await clearSoldOutMarks(raceId);
  await announceHold(raceId);
}

/**
 * A new hold only took places: dashboards hear of it, but every "sold out" already marked stays true, so the
 * marks stay (clearing them on every hold would send the crowd behind a sell-out back to Postgres).
 */
export async function announceHold(raceId: string) {
  await publish(channels.raceActivity(raceId), { type: "sales", at: new Date().toISOString() });
}
