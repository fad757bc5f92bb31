import { postMessage } from "~/services/room-messages.server";
import { activeRoomOf, createRoom, joinRoom } from "~/services/rooms.server";
import type { DemoUser } from "./accounts";

type RoomSpec = { name: string; teamName: string | null; owner: number; members: number[]; chat: [number, string][] };

const rooms: RoomSpec[] = [
  {
    name: "Harbour Harriers",
    teamName: "Harbour Harriers",
    owner: 0,
    members: [1, 2, 3],
    chat: [
      [0, "Harriers! I've made us a room for Riverside. Join and register together so we start in the same wave."],
      [1, "In. Going for the half this year!"],
      [2, "10K for me, the climb on the half scares me."],
      [3, "Who's up for a recce of the course on Saturday morning?"],
      [0, "Saturday 8:00 at the Main Gate, I'll bring coffee."],
    ],
  },
  {
    name: "Sunday Long Run Crew",
    teamName: null,
    owner: 4,
    members: [5, 6],
    chat: [
      [4, "Anyone from the Sunday long run doing Riverside? Room's open, come in."],
      [5, "Yes! First half marathon, any pacing tips?"],
      [6, "Start slower than you think. Then slower again."],
    ],
  },
];

/** Two public rooms for the race, with their members and a chat, made as their members would (once). */
export async function seedRooms(raceId: string, runners: DemoUser[]) {
  const seeded: { id: string; name: string; created: boolean }[] = [];
  for (const spec of rooms) {
    const owner = runners[spec.owner]!;
    const existing = await activeRoomOf(owner.id, raceId);
    if (existing) {
      seeded.push({ id: existing.id, name: spec.name, created: false });
      continue;
    }
    const room = await createRoom({ raceId, ownerId: owner.id, input: { name: spec.name, teamName: spec.teamName, maxMembers: 12, visibility: "PUBLIC" } });
    for (const member of spec.members) await joinRoom({ userId: runners[member]!.id, roomId: room.id });
    for (const [author, body] of spec.chat) await postMessage({ roomId: room.id, userId: runners[author]!.id, body });
    seeded.push({ id: room.id, name: spec.name, created: true });
  }
  return seeded;
}
