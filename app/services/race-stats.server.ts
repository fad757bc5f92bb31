import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { clearSoldOutMarks } from "./sold-out-marks.server";

/** Tells every open dashboard of the race that sales changed; checkout calls it after committing a sale or refund. */
export async function announceSale(raceId: string) {
  await clearSoldOutMarks(raceId);
  await publish(channels.raceActivity(raceId), { type: "sales", at: new Date().toISOString() });
}
