import type { Channel } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";

/**
 * Something about a room's members' registrations changed (a hold, a saved form, a payment, an expiry).
 * MERGE NOTE: the rooms branch owns `channels.room(roomId)` and `announceRoomChange(roomId)` in
 * `room-status.server.ts`; once both are in main, callers of `roomActivityChanged` switch to
 * `announceRoomChange` and this file (with its local channel) goes away.
 */
export type RoomActivityMessage = { type: "room.registrations"; at: string };

const roomChannel = (roomId: string): Channel<RoomActivityMessage> => ({ name: `room:${roomId}`, message: null as unknown as RoomActivityMessage });

export async function roomActivityChanged(roomId: string | null | undefined) {
  if (!roomId) return;
  await publish(roomChannel(roomId), { type: "room.registrations", at: new Date().toISOString() });
}

/** Announces every distinct room among these tickets once. */
export async function roomsActivityChanged(roomIds: (string | null | undefined)[]) {
  await Promise.all([...new Set(roomIds.filter((id): id is string => Boolean(id)))].map((id) => roomActivityChanged(id)));
}
