import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";

/** Tells every open dashboard of the race that sales changed; checkout calls it after committing a sale or refund. */
export async function announceSale(raceId: string) {
  await publish(channels.raceActivity(raceId), { type: "sales", at: new Date().toISOString() });
}
