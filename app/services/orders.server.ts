import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";

/** Tells every open page of the order to re-read it. */
export async function announceOrderChange(orderId: string) {
  await publish(channels.order(orderId), { type: "order.changed", at: new Date().toISOString() });
}
