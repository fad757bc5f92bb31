import { readFileSync } from "node:fs";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { announceRoomChange } from "~/services/room-status.server";
import { CODE_GUESS_LIMIT, newRoomCode } from "~/services/rooms.server";
import { db } from "~/utils/db.server";
import { redis } from "~/utils/redis.server";
import { createOrganisation, createRace, createTicketType, createUser } from "../support/factories";
import { type Client, openEventStream, type SseEvent } from "../support/http";
import { useStack } from "../support/stack";
import { loggedIn } from "../support/session";

const { web } = useStack();
let organisationId: string;

beforeAll(async () => {
  ({ organisation: { id: organisationId } } = await createOrganisation("OWNER"));
});

type Member = { userId: string; name: string; isOwner: boolean; registration: string };
type LiveRoom = { id: string; members: Member[]; messages: { id: string; body: string }[]; status: string; gone?: true };

async function person(name: string) {
  const user = await createUser({ name });
  return { user, client: await loggedIn(web.url, user.email) };
}

function publishedRace() {
  return createRace(organisationId, { status: "PUBLISHED" });
}

/** Creates a room through the page's form; resolves with its id and code. */
async function createRoomAs(client: Client, slug: string, fields: Partial<Record<string, string>> = {}) {
  const response = await client.post(`/races/${slug}/rooms`, { intent: "create", name: "Harbour Harriers", teamName: "Harriers", maxMembers: "10", visibility: "PUBLIC", ...fields });
  expect(response.status, await response.clone().text()).toBe(302);
  const roomId = response.headers.get("Location")!.replace("/rooms/", "");
  const { code } = await db.room.findUniqueOrThrow({ where: { id: roomId }, select: { code: true } });
  return { roomId, code };
}

function joinByCode(client: Client, code: string) {
  return client.post(`/rooms/join/${code}`, {});
}

function activeMembers(roomId: string) {
  return db.roomMember.findMany({ where: { roomId, leftAt: null }, select: { userId: true } }).then((rows) => rows.map((r) => r.userId).sort());
}

/** Every test here comes from 127.0.0.1: start and leave the shared per-IP budget of wrong room codes empty. */
async function clearIpBudgets() {
  const counters = await redis.keys(`${process.env.REDIS_PREFIX}:ratelimit:room-code:ip:*`);
  if (counters.length) await redis.del(...counters);
}

const snapshotWith = (test: (room: LiveRoom) => boolean) => (e: SseEvent) => e.event === "snapshot" && test(e.data as LiveRoom);

describe("rooms", () => {
  it("creates a room whose owner is its first member, and refuses a second room for the same race with a link to the first", async () => {
    const race = await publishedRace();
    const { user, client } = await person("Orla Owner");
    const { roomId, code } = await createRoomAs(client, race.slug);
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{10}$/);
    expect(await activeMembers(roomId)).toEqual([user.id]);
    const room = await db.room.findUniqueOrThrow({ where: { id: roomId } });
    expect(room).toMatchObject({ ownerId: user.id, name: "Harbour Harriers", teamName: "Harriers", maxMembers: 10, visibility: "PUBLIC", status: "OPEN" });

    const second = await client.post(`/races/${race.slug}/rooms`, { intent: "create", name: "Another", maxMembers: "5", visibility: "PUBLIC" });
    expect(second.status).toBe(409);
    const html = await second.text();
    expect(html).toContain("You are already in the room “Harbour Harriers” for this race.");
    expect(html).toContain(`href="/rooms/${roomId}"`);
    expect(await db.room.count({ where: { raceId: race.id } })).toBe(1);

    // Reloading the list keeps showing the room the user is in, instead of the create form.
    const list = await (await client.request(`/races/${race.slug}/rooms`)).text();
    expect(list).toMatch(/You are in .*Harbour Harriers/);
    expect(list).not.toContain("Create a room");

    const cancelled = await createRace(organisationId, { status: "CANCELLED" });
    const refused = await (await person("Cara Cancelled")).client.post(`/races/${cancelled.slug}/rooms`, { intent: "create", name: "Too late", maxMembers: "5", visibility: "PUBLIC" });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("This race is not taking registrations");

    const invalid = await (await person("Ivan Invalid")).client.post(`/races/${race.slug}/rooms`, { intent: "create", name: "", maxMembers: "1", visibility: "PUBLIC" });
    expect(invalid.status).toBe(400);
  });

  it("joins by code, and says clearly when a room is full, closed or unknown", async () => {
    const race = await publishedRace();
    const owner = await person("Orla Owner");
    const { roomId, code } = await createRoomAs(owner.client, race.slug, { maxMembers: "2" });
    const joiner = await person("Jo Joiner");

    const page = await joiner.client.request(`/rooms/join/${code}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Join Harbour Harriers");
    const joined = await joinByCode(joiner.client, code.toLowerCase());
    expect(joined.status).toBe(302);
    expect(joined.headers.get("Location")).toBe(`/rooms/${roomId}`);
    expect(await activeMembers(roomId)).toEqual([owner.user.id, joiner.user.id].sort());

    const late = await person("Lee Late");
    const full = await joinByCode(late.client, code);
    expect(full.status).toBe(409);
    expect(await full.text()).toContain("The room “Harbour Harriers” is full (2 of 2).");

    const unknown = await late.client.request("/rooms/join/ZZZZZZ");
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("No room has this code.");
    expect((await joinByCode(late.client, "ZZZZZZ")).status).toBe(404);

    expect((await owner.client.post(`/rooms/${roomId}`, { intent: "close" })).status).toBe(302);
    expect(await db.notification.count({ where: { userId: joiner.user.id, kind: "room.closed" } })).toBe(1);
    expect(await db.notification.count({ where: { userId: owner.user.id, kind: "room.closed" } })).toBe(0);
    const closed = await joinByCode(late.client, code);
    expect(closed.status).toBe(409);
    expect(await closed.text()).toContain("The room “Harbour Harriers” is closed.");
  });

  it("hides a private room from the list and answers 404 to non-members on its page, live stream and chat", async () => {
    const race = await publishedRace();
    const owner = await person("Pia Private");
    const { roomId, code } = await createRoomAs(owner.client, race.slug, { name: "Secret Squad", visibility: "PRIVATE" });
    const outsider = await person("Otto Outsider");

    const list = await (await outsider.client.request(`/races/${race.slug}/rooms`)).text();
    expect(list).not.toContain("Secret Squad");
    expect((await outsider.client.request(`/rooms/${roomId}`)).status).toBe(404);
    expect((await outsider.client.request(`/rooms/${roomId}/live`, { headers: { Accept: "text/event-stream" } })).status).toBe(404);
    expect((await outsider.client.post(`/rooms/${roomId}`, { intent: "post", body: "let me in" })).status).toBe(404);
    expect((await outsider.client.post(`/rooms/${roomId}`, { intent: "join" })).status).toBe(404);
    expect(await db.roomMessage.count({ where: { roomId } })).toBe(0);

    // The code is the way in.
    expect((await joinByCode(outsider.client, code)).status).toBe(302);
    expect((await outsider.client.request(`/rooms/${roomId}`)).status).toBe(200);
  });

  it("shows someone outside a private room only that it is a private room, until they join", async () => {
    const race = await publishedRace();
    const owner = await person("Pia Private");
    const { roomId, code } = await createRoomAs(owner.client, race.slug, { name: "Secret Squad", teamName: "Sleuths", visibility: "PRIVATE", maxMembers: "2" });
    const insider = await person("Ivy Insider");
    const outsider = await person("Otto Outsider");
    const hidden = ["Secret Squad", "Sleuths", "Pia Private", "Ivy Insider", "of 2 members", roomId];

    const preview = await outsider.client.request(`/rooms/join/${code}`);
    expect(preview.status).toBe(200);
    const html = await preview.text();
    expect(html).toContain("A private room");
    expect(html).toContain(race.name);
    const loaderData = await (await outsider.client.request(`/rooms/join/${code}.data`)).text();
    for (const body of [html, loaderData]) for (const secret of hidden) expect(body).not.toContain(secret);

    // Joining shows it all; being turned away (here: full) still names nothing.
    expect((await joinByCode(insider.client, code)).status).toBe(302);
    expect(await (await insider.client.request(`/rooms/join/${code}`)).text()).toContain("Secret Squad");
    const full = await joinByCode(outsider.client, code);
    expect(full.status).toBe(409);
    const refusal = await full.text();
    expect(refusal).toContain("This private room is full.");
    for (const secret of hidden) expect(refusal).not.toContain(secret);
  });

  it("migrates existing 6-character codes to new 10-character ones, and the database refuses short codes", async () => {
    const race = await publishedRace();
    const owner = await createUser({ name: "Old Owner" });
    const sql = readFileSync(new URL("../../prisma/migrations/20261201155626_room_codes_ten_characters/migration.sql", import.meta.url), "utf8");
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      // The database as it was before the migration, with rooms whose codes were made then.
      await client.query(`ALTER TABLE "Room" DROP CONSTRAINT "Room_code_length"`);
      const oldCodes = Array.from({ length: 50 }, (_, i) => `OLD${String(i).padStart(3, "0")}`);
      for (const code of oldCodes) await db.room.create({ data: { raceId: race.id, ownerId: owner.id, name: code, code } });
      const untouched = await db.room.create({ data: { raceId: race.id, ownerId: owner.id, name: "new", code: newRoomCode() } });
      await client.query(sql);
      const rooms = await db.room.findMany({ where: { raceId: race.id }, select: { id: true, code: true } });
      expect(rooms).toHaveLength(51);
      for (const { code } of rooms) expect(code).toMatch(/^[2-9A-HJKMNP-Z]{10}$/);
      expect(new Set(rooms.map((room) => room.code)).size).toBe(51);
      expect(rooms.find((room) => room.id === untouched.id)?.code).toBe(untouched.code);
      await expect(db.room.create({ data: { raceId: race.id, ownerId: owner.id, name: "short", code: "ABC234" } })).rejects.toThrow();
    } finally {
      await client.end();
    }
  });

  it("takes codes typed with spaces, dashes or in lower case", async () => {
    const race = await publishedRace();
    const owner = await person("Orla Owner");
    const { roomId, code } = await createRoomAs(owner.client, race.slug);
    const joiner = await person("Jo Joiner");
    const typed = `${code.slice(0, 5).toLowerCase()}-${code.slice(5)} `;
    const joined = await joiner.client.post(`/races/${race.slug}/rooms`, { intent: "join-code", code: typed });
    expect(joined.headers.get("Location")).toBe(`/rooms/${roomId}`);
  });

  it("limits wrong room codes per user and per IP address, never counting codes that exist", async () => {
    const race = await publishedRace();
    const owner = await person("Orla Owner");
    const { roomId, code } = await createRoomAs(owner.client, race.slug, { visibility: "PRIVATE" });
    await clearIpBudgets();
    const wrong = (i: number) => `WRONG${String(i).padStart(5, "2")}`;

    // Following a real link never runs into the limit.
    const friend = await person("Fran Friend");
    for (let i = 0; i < CODE_GUESS_LIMIT.perUser + 5; i += 1) expect((await friend.client.request(`/rooms/join/${code}`)).status).toBe(200);

    // One user: the first wrong guesses are 404s, then every lookup waits, even of a right code, and
    // parallel guesses cannot slip past the count.
    const guesser = await person("Gus Guesser");
    const statuses = await Promise.all(Array.from({ length: CODE_GUESS_LIMIT.perUser + 5 }, (_, i) => guesser.client.request(`/rooms/join/${wrong(i)}`).then((r) => r.status)));
    expect(statuses.filter((status) => status === 404)).toHaveLength(CODE_GUESS_LIMIT.perUser);
    expect(statuses.filter((status) => status === 429)).toHaveLength(5);
    const blocked = await joinByCode(guesser.client, code);
    expect(blocked.status).toBe(429);
    expect(await blocked.text()).toMatch(/Too many wrong room codes\. Wait \d+ minutes? and try again/);
    expect(await activeMembers(roomId)).toEqual([owner.user.id]);

    // One address: other users from it share its budget.
    let guessesFromIp = CODE_GUESS_LIMIT.perUser + 6; // the guesser's lookups and refused join
    while (guessesFromIp < CODE_GUESS_LIMIT.perIp) {
      const next = await person("Nat Next");
      for (let i = 0; i < CODE_GUESS_LIMIT.perUser && guessesFromIp < CODE_GUESS_LIMIT.perIp; i += 1, guessesFromIp += 1) {
        expect((await joinByCode(next.client, wrong(i))).status).toBe(404);
      }
    }
    const fresh = await person("Fay Fresh");
    expect((await fresh.client.request(`/rooms/join/${code}`)).status).toBe(429);
    await clearIpBudgets();
  });

  it("lets members leave, and the owner remove, transfer and close", async () => {
    const race = await publishedRace();
    const owner = await person("Olly Owner");
    const a = await person("Ann Member");
    const b = await person("Ben Member");
    const { roomId, code } = await createRoomAs(owner.client, race.slug);
    await joinByCode(a.client, code);
    // A public room can also be joined from its page, without the code.
    expect((await b.client.post(`/rooms/${roomId}`, { intent: "join" })).status).toBe(302);

    const ownerLeaves = await owner.client.post(`/rooms/${roomId}`, { intent: "leave" });
    expect(ownerLeaves.status).toBe(409);
    expect(await ownerLeaves.text()).toContain("make another member the owner, or close the room, before you leave");

    expect((await a.client.post(`/rooms/${roomId}`, { intent: "remove", userId: b.user.id })).status).toBe(403);
    expect((await owner.client.post(`/rooms/${roomId}`, { intent: "remove", userId: b.user.id })).status).toBe(302);
    expect(await activeMembers(roomId)).toEqual([owner.user.id, a.user.id].sort());
    expect(await db.notification.findMany({ where: { userId: owner.user.id, kind: "room.joined" }, select: { title: true } })).toHaveLength(2);
    expect(await db.notification.findFirst({ where: { userId: b.user.id, kind: "room.removed" }, select: { title: true } })).toEqual({ title: "You were removed from Harbour Harriers" });
    // Removed, Ben cannot come back by the room's page or its code until the owner invites him back.
    const rejoin = await b.client.post(`/rooms/${roomId}`, { intent: "join" });
    expect(rejoin.status).toBe(403);
    expect(await rejoin.text()).toContain("You were removed from this room");
    expect((await joinByCode(b.client, code)).status).toBe(403);
    expect((await a.client.post(`/rooms/${roomId}`, { intent: "invite-back", userId: b.user.id })).status).toBe(403);
    // He can make his own room for the race.
    await createRoomAs(b.client, race.slug, { name: "Ben's Bunch" });
    expect((await owner.client.post(`/rooms/${roomId}`, { intent: "invite-back", userId: b.user.id })).status).toBe(302);
    expect(await db.notification.findFirst({ where: { userId: b.user.id, kind: "room.invited" }, select: { href: true } })).toEqual({ href: `/rooms/join/${code}` });
    // Invited back, only the one-room-per-race rule stands in his way now.
    const invited = await joinByCode(b.client, code);
    expect(invited.status).toBe(409);
    expect(await invited.text()).toContain("Ben's Bunch");

    expect((await owner.client.post(`/rooms/${roomId}`, { intent: "transfer", userId: b.user.id })).status).toBe(409);
    expect((await owner.client.post(`/rooms/${roomId}`, { intent: "transfer", userId: a.user.id })).status).toBe(302);
    expect((await db.room.findUniqueOrThrow({ where: { id: roomId } })).ownerId).toBe(a.user.id);

    const left = await owner.client.post(`/rooms/${roomId}`, { intent: "leave" });
    expect(left.status).toBe(302);
    expect(left.headers.get("Location")).toBe(`/races/${race.slug}/rooms`);
    expect(await activeMembers(roomId)).toEqual([a.user.id]);

    expect((await owner.client.post(`/rooms/${roomId}`, { intent: "close" })).status).toBe(403);
    expect((await a.client.post(`/rooms/${roomId}`, { intent: "close" })).status).toBe(302);
    const room = await db.room.findUniqueOrThrow({ where: { id: roomId } });
    expect(room.status).toBe("CLOSED");
    expect(room.closedAt).not.toBeNull();
    expect(await activeMembers(roomId)).toEqual([]);
  });

  it("shows one member's join, a member's checkout and registration, to another member's live stream within a second", async () => {
    const race = await publishedRace();
    const owner = await person("Olga Owner");
    const { roomId, code } = await createRoomAs(owner.client, race.slug);
    const stream = await openEventStream(owner.client, `/rooms/${roomId}/live`);
    expect(stream.response.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
    const first = (await stream.next((e) => e.event === "snapshot")).data as LiveRoom;
    expect(first.members.map((m) => [m.name, m.isOwner, m.registration])).toEqual([["Olga Owner", true, "NOT_STARTED"]]);

    const joiner = await person("Jack Joiner");
    const startedAt = Date.now();
    expect((await joinByCode(joiner.client, code)).status).toBe(302);
    await stream.next(snapshotWith((room) => room.members.some((m) => m.name === "Jack Joiner")), 1_000);
    expect(Date.now() - startedAt).toBeLessThan(1_000);

    // Jack starts checkout (a held ticket), then pays (issued): the room shows it as it happens.
    const ticketType = await createTicketType(race.id);
    const order = await db.order.create({
      data: { raceId: race.id, buyerId: joiner.user.id, buyerEmail: joiner.user.email, buyerName: "Jack", currency: "EUR", holdExpiresAt: new Date(Date.now() + 600_000) },
    });
    const ticket = await db.ticket.create({ data: { orderId: order.id, raceId: race.id, ticketTypeId: ticketType.id, priceMinor: 3000, qrToken: `qr-room-${Date.now()}` } });
    await announceRoomChange(roomId);
    await stream.next(snapshotWith((room) => room.members.find((m) => m.name === "Jack Joiner")?.registration === "IN_CHECKOUT"), 1_000);
    await db.ticket.update({ where: { id: ticket.id }, data: { status: "ISSUED" } });
    await announceRoomChange(roomId);
    await stream.next(snapshotWith((room) => room.members.find((m) => m.name === "Jack Joiner")?.registration === "REGISTERED"), 1_000);
    await stream.close();
  });

  it("delivers chat live, rate limits it, and lets the owner delete a message for everyone", async () => {
    const race = await publishedRace();
    const owner = await person("Olive Owner");
    const member = await person("Mo Member");
    const { roomId, code } = await createRoomAs(owner.client, race.slug);
    await joinByCode(member.client, code);
    const memberStream = await openEventStream(member.client, `/rooms/${roomId}/live`);
    await memberStream.next((e) => e.event === "snapshot");

    expect((await owner.client.post(`/rooms/${roomId}`, { intent: "post", body: "  Who is in for the 10K?  " })).status).toBe(302);
    const delivered = await memberStream.next(snapshotWith((room) => room.messages.some((m) => m.body === "Who is in for the 10K?")), 1_000);
    const messageId = (delivered.data as LiveRoom).messages.find((m) => m.body === "Who is in for the 10K?")!.id;

    expect((await member.client.post(`/rooms/${roomId}`, { intent: "post", body: "   " })).status).toBe(400);
    expect((await member.client.post(`/rooms/${roomId}`, { intent: "post", body: "x".repeat(501) })).status).toBe(400);

    expect((await member.client.post(`/rooms/${roomId}`, { intent: "delete-message", messageId })).status).toBe(403);
    expect((await owner.client.post(`/rooms/${roomId}`, { intent: "delete-message", messageId })).status).toBe(302);
    await memberStream.next(snapshotWith((room) => !room.messages.some((m) => m.id === messageId)), 1_000);
    expect((await db.roomMessage.findUniqueOrThrow({ where: { id: messageId } })).deletedAt).not.toBeNull();
    await memberStream.close();

    // Twelve posts at once: ten get through, two are told to slow down.
    const posts = await Promise.all(Array.from({ length: 12 }, (_, i) => member.client.post(`/rooms/${roomId}`, { intent: "post", body: `message ${i}` })));
    expect(posts.filter((r) => r.status === 302)).toHaveLength(10);
    const limited = posts.filter((r) => r.status === 429);
    expect(limited).toHaveLength(2);
    expect(await limited[0]!.text()).toMatch(/You are sending messages too fast\. Wait \d+ seconds and try again\./);
    expect(await db.roomMessage.count({ where: { roomId, userId: member.user.id } })).toBe(10);
  });

  it("pages the chat: the latest 30 messages, then earlier ones", async () => {
    const race = await publishedRace();
    const owner = await person("Paddy Pager");
    const { roomId } = await createRoomAs(owner.client, race.slug);
    await db.roomMessage.createMany({
      data: Array.from({ length: 35 }, (_, i) => ({ roomId, userId: owner.user.id, body: `Note ${String(i).padStart(2, "0")}`, createdAt: new Date(Date.now() - (35 - i) * 1000) })),
    });
    const notes = (html: string) => [...html.matchAll(/Note (\d\d)</g)].map((m) => Number(m[1]));
    const latest = await (await owner.client.request(`/rooms/${roomId}`)).text();
    const shown = [...new Set(notes(latest))];
    expect(shown).toHaveLength(30);
    expect(Math.min(...shown)).toBe(5);
    const earlierHref = /href="(\/rooms\/[^"]+\?before=[^"]+)"/.exec(latest)?.[1];
    expect(earlierHref).toBeDefined();
    const earlier = await (await owner.client.request(earlierHref!.replaceAll("&amp;", "&"))).text();
    expect(earlier).toContain("Earlier messages");
    expect(notes(earlier.slice(earlier.indexOf("Earlier messages</h3>")))).toEqual([4, 3, 2, 1, 0]);
  });

  it("lists open public rooms 10 per page with member counts", async () => {
    const race = await publishedRace();
    const owners = await Promise.all(Array.from({ length: 12 }, (_, i) => createUser({ name: `Owner ${i}` })));
    for (const [i, owner] of owners.entries()) {
      await db.room.create({ data: { raceId: race.id, ownerId: owner.id, name: `Room number ${String(i).padStart(2, "0")}`, code: newRoomCode(), createdAt: new Date(Date.now() - i * 1000), members: { create: { raceId: race.id, userId: owner.id } } } });
    }
    const viewer = await person("Vera Viewer");
    const names = (html: string) => [...html.matchAll(/Room number (\d\d)/g)].map((m) => m[1]);
    // React separates text parts with comments; read the page as a person sees it.
    const first = (await (await viewer.client.request(`/races/${race.slug}/rooms`)).text()).replaceAll("<!-- -->", "");
    expect(new Set(names(first)).size).toBe(10);
    expect(first).toContain("Page 1 of 2");
    expect(first).toContain("1 / 10");
    const second = await (await viewer.client.request(`/races/${race.slug}/rooms?page=2`)).text();
    expect([...new Set(names(second))].sort()).toEqual(["10", "11"]);

    const live = await openEventStream(viewer.client, `/races/${race.slug}/rooms/live?page=2`);
    const snapshot = (await live.next((e) => e.event === "snapshot")).data as { rooms: { name: string; memberCount: number }[]; pageCount: number };
    expect(snapshot.pageCount).toBe(2);
    expect(snapshot.rooms.map((r) => [r.name, r.memberCount])).toEqual([
      ["Room number 10", 1],
      ["Room number 11", 1],
    ]);
    const room11 = await db.room.findFirstOrThrow({ where: { raceId: race.id, name: "Room number 11" } });
    expect((await joinByCode(viewer.client, room11.code)).status).toBe(302);
    await live.next((e) => e.event === "snapshot" && (e.data as typeof snapshot).rooms.some((r) => r.name === "Room number 11" && r.memberCount === 2), 1_000);
    await live.close();
  });

  it("lets exactly one of many concurrent joins take a room's last place", async () => {
    const race = await publishedRace();
    const owner = await person("Opal Owner");
    const { roomId, code } = await createRoomAs(owner.client, race.slug, { maxMembers: "3" });
    await joinByCode((await person("Early Bird")).client, code);
    const racers = await Promise.all(Array.from({ length: 6 }, (_, i) => person(`Racer ${i}`)));
    const statuses = await Promise.all(racers.map(({ client }) => joinByCode(client, code).then((r) => r.status)));
    expect(statuses.filter((s) => s === 302)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(5);
    expect(await activeMembers(roomId)).toHaveLength(3);
  });

  it("lets one user hold only one active room per race even when joining two rooms at once", async () => {
    const race = await publishedRace();
    const [a, b] = await Promise.all([person("Amy A"), person("Bob B")]);
    const [roomA, roomB] = [await createRoomAs(a.client, race.slug), await createRoomAs(b.client, race.slug, { name: "B Team" })];
    const joiner = await person("Double Dee");
    const statuses = await Promise.all([joinByCode(joiner.client, roomA.code), joinByCode(joiner.client, roomB.code)].map((p) => p.then((r) => r.status)));
    expect(statuses.sort()).toEqual([302, 409]);
    expect(await db.roomMember.count({ where: { userId: joiner.user.id, leftAt: null } })).toBe(1);
  });
});
