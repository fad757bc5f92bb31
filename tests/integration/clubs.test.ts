import { describe, expect, it } from "vitest";
import { db } from "~/utils/db.server";
import { redis } from "~/utils/redis.server";
import { enqueue } from "~/jobs/queues.server";
import type { NotificationView, UserFeedMessage } from "~/realtime/channels";
import { CLUB_MESSAGE_LIMIT } from "~/services/club-messages.server";
import { createOrganisation, createRace } from "../support/factories";
import { openEventStream } from "../support/http";
import { useStack } from "../support/stack";
import { waitFor } from "../support/wait";
import { clubAction, clubSnapshot, createClubAs, joinWithCode, person as personOn, SSE, viewOf } from "../support/clubs";

const { web } = useStack({ worker: true });

const person = (name: string) => personOn(web.url, name);

async function clearCodeBudgets() {
  const counters = await redis.keys(`${process.env.REDIS_PREFIX}:ratelimit:club-code:*`);
  if (counters.length) await redis.del(...counters);
}

function role(clubId: string, userId: string) {
  return db.clubMember.findUnique({ where: { clubId_userId: { clubId, userId } }, select: { role: true } }).then((m) => m?.role ?? null);
}

/** Local wall-clock text for `hours` from now in Europe/Dublin, as the event form takes it. */
function dublinLocal(hoursFromNow: number) {
  const at = new Date(Date.now() + hoursFromNow * 3600_000);
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Dublin", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part("year")}-${part("month")}-${part("day")}T${part("hour")}:${part("minute")}`;
}

/** A club with an owner, an admin and a plain member. */
async function clubWithTeam(visibility = "PRIVATE", name = "Harbour Harriers") {
  const owner = await person("Orla Owner");
  const admin = await person("Ada Admin");
  const member = await person("Mo Member");
  const { clubId, code } = await createClubAs(owner.client, { visibility, name });
  for (const one of [admin, member]) expect((await joinWithCode(one.client, code)).status).toBe(302);
  expect((await clubAction(owner.client, clubId, { intent: "make-admin", userId: admin.user.id })).status).toBe(302);
  return { owner, admin, member, clubId, code };
}

async function createEvent(client: Awaited<ReturnType<typeof person>>["client"], clubId: string, fields: Partial<Record<string, string>> = {}) {
  const response = await clubAction(client, clubId, { intent: "event", title: "Tuesday intervals", startsAt: dublinLocal(72), place: "Pier gates", description: "6 x 800 m", capacity: "", ...fields });
  return response;
}

async function latestEventId(clubId: string) {
  return (await db.clubEvent.findFirstOrThrow({ where: { clubId }, orderBy: { createdAt: "desc" }, select: { id: true } })).id;
}

describe("clubs: membership and roles", () => {
  it("creates a club whose owner is its first member, and refuses bad input with nothing written", async () => {
    const owner = await person("Orla Owner");
    const { clubId, code } = await createClubAs(owner.client, { visibility: "PUBLIC" });
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{10}$/);
    expect(await db.club.findUniqueOrThrow({ where: { id: clubId } })).toMatchObject({ ownerId: owner.user.id, name: "Harbour Harriers", visibility: "PUBLIC", timeZone: "Europe/Dublin" });
    expect(await role(clubId, owner.user.id)).toBe("OWNER");
    const page = await owner.client.request(`/clubs/${clubId}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(code);

    const before = await db.club.count();
    for (const bad of [{ name: "" }, { visibility: "SECRET" }, { timeZone: "Mars/Olympus" }, { name: "x".repeat(61) }]) {
      const refused = await owner.client.post("/clubs", { intent: "create", name: "Ok", visibility: "PUBLIC", timeZone: "UTC", ...bad });
      expect(refused.status, JSON.stringify(bad)).toBe(400);
    }
    expect(await db.club.count()).toBe(before);
  });

  it("joins a public club by link, code or its page; a private club only by its code", async () => {
    await clearCodeBudgets();
    const owner = await person("Pat Public");
    const pub = await createClubAs(owner.client, { name: "Open Runners", visibility: "PUBLIC" });
    const priv = await createClubAs(owner.client, { name: "Secret Striders", visibility: "PRIVATE" });
    const [a, b, c] = await Promise.all([person("Al Link"), person("Bo Code"), person("Cy Page")]);

    const preview = await a.client.request(`/clubs/join/${pub.code}`);
    expect(preview.status).toBe(200);
    expect(await preview.text()).toContain("Join Open Runners");
    expect((await a.client.post(`/clubs/join/${pub.code}`, {})).headers.get("Location")).toBe(`/clubs/${pub.clubId}`);
    expect((await joinWithCode(b.client, pub.code.toLowerCase())).headers.get("Location")).toBe(`/clubs/${pub.clubId}`);
    expect((await clubAction(c.client, pub.clubId, { intent: "join" })).status).toBe(302);
    expect(await db.clubMember.count({ where: { clubId: pub.clubId } })).toBe(4);
    // Joining again changes nothing.
    expect((await joinWithCode(b.client, pub.code)).status).toBe(302);
    expect(await db.clubMember.count({ where: { clubId: pub.clubId } })).toBe(4);

    // A private club has no link and no join button: its code, typed in, is the only way.
    const link = await a.client.request(`/clubs/join/${priv.code}`);
    expect(link.status).toBe(404);
    expect(await link.text()).not.toContain("Secret Striders");
    expect((await a.client.post(`/clubs/join/${priv.code}`, {})).status).toBe(404);
    expect((await clubAction(a.client, priv.clubId, { intent: "join" })).status).toBe(404);
    expect((await joinWithCode(a.client, "ZZZZZZZZZZ")).status).toBe(404);
    expect((await joinWithCode(a.client, "")).status).toBe(400);
    expect((await joinWithCode(a.client, priv.code)).headers.get("Location")).toBe(`/clubs/${priv.clubId}`);
    expect(await role(priv.clubId, a.user.id)).toBe("MEMBER");
  });

  it("lets members leave, admins remove members, and the owner manage roles and hand the club over", async () => {
    const { owner, admin, member, clubId } = await clubWithTeam();
    expect(await role(clubId, admin.user.id)).toBe("ADMIN");

    // The owner cannot leave before handing over; a member cannot change roles or remove anyone.
    expect((await clubAction(owner.client, clubId, { intent: "leave" })).status).toBe(409);
    expect((await clubAction(member.client, clubId, { intent: "make-admin", userId: member.user.id })).status).toBe(403);
    expect((await clubAction(member.client, clubId, { intent: "remove", userId: admin.user.id })).status).toBe(403);
    // An admin removes members, not other admins or the owner; only the owner sets roles.
    expect((await clubAction(admin.client, clubId, { intent: "remove", userId: owner.user.id })).status).toBe(403);
    expect((await clubAction(admin.client, clubId, { intent: "make-admin", userId: member.user.id })).status).toBe(403);
    expect((await clubAction(admin.client, clubId, { intent: "remove", userId: "nobody" })).status).toBe(409);

    const memberFeed = await openEventStream(member.client, `/clubs/${clubId}/live`);
    await memberFeed.next((e) => e.event === "snapshot");
    expect((await clubAction(admin.client, clubId, { intent: "remove", userId: member.user.id })).status).toBe(302);
    expect(await role(clubId, member.user.id)).toBeNull();
    // The removed member's open feed ends, and the private club is a 404 for them from now on.
    expect(await memberFeed.endsWithin(10_000)).toBe(true);
    expect((await member.client.request(`/clubs/${clubId}`)).status).toBe(404);
    expect(await db.notification.count({ where: { userId: member.user.id, kind: "club.removed" } })).toBe(1);

    expect((await clubAction(owner.client, clubId, { intent: "transfer", userId: owner.user.id })).status).toBe(409);
    expect((await clubAction(owner.client, clubId, { intent: "transfer", userId: admin.user.id })).status).toBe(302);
    expect(await role(clubId, admin.user.id)).toBe("OWNER");
    expect(await role(clubId, owner.user.id)).toBe("ADMIN");
    expect((await db.club.findUniqueOrThrow({ where: { id: clubId } })).ownerId).toBe(admin.user.id);
    expect(await db.clubMember.count({ where: { clubId, role: "OWNER" } })).toBe(1);
    expect((await clubAction(owner.client, clubId, { intent: "leave" })).headers.get("Location")).toBe("/clubs");
    expect(await role(clubId, owner.user.id)).toBeNull();
  });
});

describe("clubs: authorisation", () => {
  it("answers 404 to non-members of a private club on every page, feed, download and action, writing nothing", async () => {
    const { owner, clubId, code } = await clubWithTeam("PRIVATE", "Hidden Hares");
    expect((await createEvent(owner.client, clubId)).status).toBe(302);
    const eventId = await latestEventId(clubId);
    expect((await clubAction(owner.client, clubId, { intent: "post", body: "Welcome!" })).status).toBe(302);
    const messageId = (await db.clubMessage.findFirstOrThrow({ where: { clubId } })).id;
    const outsider = await person("Otto Outsider");
    const counts = async () => [await db.clubMessage.count({ where: { clubId } }), await db.clubReaction.count(), await db.clubEvent.count({ where: { clubId } }), await db.clubEventAnswer.count({ where: { eventId } }), await db.clubMember.count({ where: { clubId } }), await db.room.count({ where: { clubId } })];
    const before = await counts();

    const reads = [`/clubs/${clubId}`, `/clubs/${clubId}.data`, `/clubs/${clubId}?before=${messageId}`, `/clubs/${clubId}/events/${eventId}.ics`, `/clubs/join/${code}`];
    for (const path of reads) {
      const response = await outsider.client.request(path);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).not.toContain("Hidden Hares");
    }
    expect((await outsider.client.request(`/clubs/${clubId}/live`, SSE)).status).toBe(404);
    const list = await (await outsider.client.request("/clubs")).text();
    expect(list).not.toContain("Hidden Hares");

    const actions: Record<string, string>[] = [
      { intent: "join" },
      { intent: "leave" },
      { intent: "mute" },
      { intent: "post", body: "let me in" },
      { intent: "react", messageId, emoji: "👍" },
      { intent: "delete-message", messageId },
      { intent: "event", title: "Crash", startsAt: dublinLocal(48), place: "Here" },
      { intent: "answer", eventId, answer: "GOING" },
      { intent: "remove", userId: owner.user.id },
      { intent: "make-admin", userId: outsider.user.id },
      { intent: "transfer", userId: outsider.user.id },
      { intent: "room", raceId: "x", maxMembers: "5" },
    ];
    for (const fields of actions) expect((await clubAction(outsider.client, clubId, fields)).status, fields.intent).toBe(404);
    // An unknown club is the same 404.
    expect((await outsider.client.request("/clubs/no-such-club")).status).toBe(404);
    expect(await counts()).toEqual(before);
    // Anonymous visitors are sent to log in.
    const anonymous = await fetch(`${web.url}/clubs/${clubId}`, { redirect: "manual" });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("Location")).toContain("/login");
  });

  it("shows a public club's name and a join button to non-members, but nothing members share", async () => {
    const { owner, clubId } = await clubWithTeam("PUBLIC");
    expect((await clubAction(owner.client, clubId, { intent: "post", body: "members-only chat" })).status).toBe(302);
    expect((await createEvent(owner.client, clubId, { title: "Members-only run" })).status).toBe(302);
    const eventId = await latestEventId(clubId);
    const visitor = await person("Vi Visitor");
    const page = await visitor.client.request(`/clubs/${clubId}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/Join (<!-- -->)?Harbour Harriers/);
    for (const secret of ["members-only chat", "Members-only run", "Orla Owner", (await db.club.findUniqueOrThrow({ where: { id: clubId } })).code]) expect(html).not.toContain(secret);
    expect((await visitor.client.request(`/clubs/${clubId}/live`, SSE)).status).toBe(403);
    expect((await visitor.client.request(`/clubs/${clubId}/events/${eventId}.ics`)).status).toBe(404);
    expect((await clubAction(visitor.client, clubId, { intent: "post", body: "hi" })).status).toBe(403);
    expect((await clubAction(visitor.client, clubId, { intent: "answer", eventId, answer: "GOING" })).status).toBe(403);
  });
});

describe("clubs: chat", () => {
  it("posts live, shows replies in place, toggles reactions and deletes by author or admin", async () => {
    const { owner, admin, member, clubId } = await clubWithTeam();
    const feed = await openEventStream(owner.client, `/clubs/${clubId}/live`);
    await feed.next((e) => e.event === "snapshot");
    const ownerNotes = await openEventStream(owner.client, "/account/live");
    await ownerNotes.next((e) => e.event === "snapshot");

    expect((await clubAction(owner.client, clubId, { intent: "post", body: "Who is in for Sunday?" })).status).toBe(302);
    const first = await db.clubMessage.findFirstOrThrow({ where: { clubId } });
    expect((await clubAction(member.client, clubId, { intent: "post", body: "Me!", replyToId: first.id })).status).toBe(302);
    const withReply = viewOf(await feed.next(clubSnapshot((club) => club.messages.some((m) => m.body === "Me!"))));
    expect(withReply.messages.find((m) => m.body === "Me!")?.replyTo).toEqual({ id: first.id, authorName: "Orla Owner", body: "Who is in for Sunday?" });
    // The author of the message replied to is told, live and in the stored list.
    const toast = await ownerNotes.next((e) => e.event === "delta" && (e.data as UserFeedMessage).type === "notification");
    expect(((toast.data as { notification: NotificationView }).notification)).toMatchObject({ kind: "club.reply", title: "Mo Member replied in Harbour Harriers", href: expect.stringContaining(`/clubs/${clubId}#message-`) });
    expect(await db.notification.count({ where: { userId: owner.user.id, kind: "club.reply" } })).toBe(1);
    const notificationsPage = await (await owner.client.request("/notifications")).text();
    expect(notificationsPage).toContain("Mo Member replied in Harbour Harriers");
    // A reply to a message of another club, or to nothing, is refused.
    expect((await clubAction(member.client, clubId, { intent: "post", body: "?", replyToId: "nope" })).status).toBe(400);
    expect((await clubAction(member.client, clubId, { intent: "post", body: "   " })).status).toBe(400);

    // Reactions: one of each per person, toggled; only the fixed set.
    const react = (who: typeof member, emoji: string) => clubAction(who.client, clubId, { intent: "react", messageId: first.id, emoji });
    expect((await react(member, "👍")).status).toBe(302);
    expect((await react(admin, "👍")).status).toBe(302);
    expect((await react(member, "🎉")).status).toBe(302);
    expect((await react(admin, "❤️")).status).toBe(302);
    const reacted = viewOf(await feed.next(clubSnapshot((club) => club.messages.find((m) => m.id === first.id)?.reactions.length === 3)));
    expect(reacted.messages.find((m) => m.id === first.id)?.reactions).toEqual([
      { emoji: "👍", count: 2, mine: false },
      { emoji: "❤️", count: 1, mine: false },
      { emoji: "🎉", count: 1, mine: false },
    ]);
    expect((await react(member, "👍")).status).toBe(302);
    expect(await db.clubReaction.count({ where: { messageId: first.id, emoji: "👍" } })).toBe(1);
    expect((await react(member, "💩")).status).toBe(400);
    expect(await db.clubReaction.count({ where: { messageId: first.id } })).toBe(3);

    // Deleting: the author, or an admin; not another member.
    const reply = await db.clubMessage.findFirstOrThrow({ where: { clubId, body: "Me!" } });
    expect((await clubAction(admin.client, clubId, { intent: "post", body: "Admin note" })).status).toBe(302);
    const note = await db.clubMessage.findFirstOrThrow({ where: { clubId, body: "Admin note" } });
    expect((await clubAction(member.client, clubId, { intent: "delete-message", messageId: note.id })).status).toBe(403);
    expect((await clubAction(member.client, clubId, { intent: "delete-message", messageId: reply.id })).status).toBe(302);
    expect((await clubAction(admin.client, clubId, { intent: "delete-message", messageId: first.id })).status).toBe(302);
    const after = viewOf(await feed.next(clubSnapshot((club) => club.messages.some((m) => m.body === "Admin note") && !club.messages.some((m) => m.id === first.id || m.id === reply.id))));
    expect(after.messages.map((m) => m.body)).toEqual(["Admin note"]);
    await Promise.all([feed.close(), ownerNotes.close()]);
  });

  it("counts unread messages per club in the user's feed, live, and clears them while the club is open", async () => {
    const { owner, member, clubId } = await clubWithTeam();
    const other = await createClubAs(member.client, { name: "Second Club" });
    const notes = await openEventStream(member.client, "/account/live");
    await notes.next((e) => e.event === "snapshot");
    await clubAction(owner.client, clubId, { intent: "post", body: "one" });
    await clubAction(owner.client, clubId, { intent: "post", body: "two" });
    await notes.next((e) => e.event === "delta" && (e.data as UserFeedMessage).type === "club.unread" && (e.data as { club: { unread: number } }).club.unread === 2);
    const fresh = await openEventStream(member.client, "/account/live");
    const snapshot = (await fresh.next((e) => e.event === "snapshot")).data as { clubsUnread: { clubId: string; unread: number }[] };
    expect(snapshot.clubsUnread).toEqual(expect.arrayContaining([expect.objectContaining({ clubId, unread: 2 }), expect.objectContaining({ clubId: other.clubId, unread: 0 })]));
    // Opening the club marks it read; a message arriving while it is open stays read.
    const page = await openEventStream(member.client, `/clubs/${clubId}/live`);
    await page.next((e) => e.event === "snapshot");
    await notes.next((e) => e.event === "delta" && (e.data as { club?: { clubId: string; unread: number } }).club?.unread === 0);
    await clubAction(owner.client, clubId, { intent: "post", body: "three" });
    await page.next(clubSnapshot((club) => club.messages.some((m) => m.body === "three")));
    const again = await openEventStream(member.client, "/account/live");
    const seen = (await again.next((e) => e.event === "snapshot")).data as { clubsUnread: { clubId: string; unread: number }[] };
    expect(seen.clubsUnread.find((c) => c.clubId === clubId)?.unread).toBe(0);
    await Promise.all([notes.close(), fresh.close(), page.close(), again.close()]);
  });

  it("rate limits posting and pages through older messages", async () => {
    const { owner, member, clubId } = await clubWithTeam();
    await redis.del(`${process.env.REDIS_PREFIX}:ratelimit:club-message:${member.user.id}`);
    const statuses: number[] = [];
    for (let i = 0; i <= CLUB_MESSAGE_LIMIT.count; i += 1) statuses.push((await clubAction(member.client, clubId, { intent: "post", body: `m${i}` })).status);
    expect(statuses.slice(0, CLUB_MESSAGE_LIMIT.count).every((s) => s === 302)).toBe(true);
    const limited = await clubAction(member.client, clubId, { intent: "post", body: "too many" });
    expect(limited.status).toBe(429);
    expect(await limited.text()).toContain("You are sending messages too fast");
    expect(await db.clubMessage.count({ where: { clubId, userId: member.user.id } })).toBe(CLUB_MESSAGE_LIMIT.count);

    const rows = Array.from({ length: 35 }, (_, i) => ({ clubId, userId: owner.user.id, body: `history ${String(i).padStart(2, "0")}`, createdAt: new Date(Date.now() - (100 - i) * 60_000) }));
    await db.clubMessage.createMany({ data: rows });
    const html = await (await owner.client.request(`/clubs/${clubId}`)).text();
    const cursor = /\?before=([a-z0-9]+)/.exec(html)?.[1];
    expect(cursor).toBeTruthy();
    expect(html).not.toContain("history 00");
    const older = await (await owner.client.request(`/clubs/${clubId}?before=${cursor}`)).text();
    expect(older).toContain("Earlier messages");
    expect(older).toContain("history 00");
  });
});

describe("clubs: events, reminders and notifications", () => {
  it("lets admins plan events in the club's time zone; members answer and attendance is live; capacity holds", async () => {
    const { owner, admin, member, clubId } = await clubWithTeam();
    const third = await person("Tia Third");
    await joinWithCode(third.client, (await db.club.findUniqueOrThrow({ where: { id: clubId } })).code);
    expect((await createEvent(member.client, clubId)).status).toBe(403);
    expect((await createEvent(admin.client, clubId, { title: "" })).status).toBe(400);
    expect((await createEvent(admin.client, clubId, { startsAt: "soon" })).status).toBe(400);
    expect((await createEvent(admin.client, clubId, { startsAt: dublinLocal(-2) })).status).toBe(400);
    expect((await createEvent(admin.client, clubId, { capacity: "0" })).status).toBe(400);
    expect(await db.clubEvent.count({ where: { clubId } })).toBe(0);

    expect((await createEvent(admin.client, clubId, { startsAt: "2030-07-01T07:30", capacity: "2" })).status).toBe(302);
    const eventId = await latestEventId(clubId);
    // 07:30 in Dublin in July (IST, UTC+1) is 06:30 UTC.
    expect((await db.clubEvent.findUniqueOrThrow({ where: { id: eventId } })).startsAt.toISOString()).toBe("2030-07-01T06:30:00.000Z");
    // Every other member is told, the creator is not.
    expect(await db.notification.count({ where: { kind: "club.event", userId: { in: [owner.user.id, member.user.id, third.user.id] } } })).toBe(3);
    expect(await db.notification.count({ where: { kind: "club.event", userId: admin.user.id } })).toBe(0);

    const feed = await openEventStream(owner.client, `/clubs/${clubId}/live`);
    await feed.next((e) => e.event === "snapshot");
    const answer = (who: typeof member, value: string) => clubAction(who.client, clubId, { intent: "answer", eventId, answer: value });
    expect((await answer(member, "GOING")).status).toBe(302);
    expect((await answer(admin, "MAYBE")).status).toBe(302);
    const live = viewOf(await feed.next(clubSnapshot((club) => club.events[0]?.counts.GOING === 1 && club.events[0]?.counts.MAYBE === 1)));
    expect(live.events[0]?.attendees.map((a) => [a.name, a.answer])).toEqual([["Mo Member", "GOING"], ["Ada Admin", "MAYBE"]]);
    expect((await answer(third, "GOING")).status).toBe(302);
    // Full: two going of two; a fourth "going" is refused, changing one's own answer is not.
    const refused = await answer(owner, "GOING");
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("This event is full");
    expect((await answer(member, "GOING")).status).toBe(302);
    expect((await answer(member, "NOT_GOING")).status).toBe(302);
    expect((await answer(owner, "GOING")).status).toBe(302);
    expect((await answer(owner, "SOMETIMES")).status).toBe(400);
    expect(await db.clubEventAnswer.count({ where: { eventId, answer: "GOING" } })).toBe(2);

    // Members download it for their calendar.
    const ics = await member.client.request(`/clubs/${clubId}/events/${eventId}.ics`);
    expect(ics.status).toBe(200);
    expect(ics.headers.get("Content-Type")).toContain("text/calendar");
    const text = await ics.text();
    expect(text).toContain("BEGIN:VEVENT");
    expect(text).toContain("DTSTART:20300701T063000Z");
    expect(text).toContain("SUMMARY:Tuesday intervals (Harbour Harriers)");
    expect(text).toContain("LOCATION:Pier gates");
    await feed.close();
  });

  it("reminds the members going the day before (worker job), once, except those who muted the club", async () => {
    const { owner, admin, member, clubId } = await clubWithTeam();
    const muted = await person("Mu Muted");
    await joinWithCode(muted.client, (await db.club.findUniqueOrThrow({ where: { id: clubId } })).code);
    expect((await clubAction(muted.client, clubId, { intent: "mute" })).status).toBe(302);
    expect((await createEvent(admin.client, clubId, { title: "Sunday long run", startsAt: dublinLocal(20) })).status).toBe(302);
    const soon = await latestEventId(clubId);
    expect((await createEvent(admin.client, clubId, { title: "Next month", startsAt: dublinLocal(24 * 30) })).status).toBe(302);
    const later = await latestEventId(clubId);
    // The muted member heard nothing of the new events either.
    expect(await db.notification.count({ where: { userId: muted.user.id } })).toBe(0);
    for (const [who, value] of [[member, "GOING"], [muted, "GOING"], [owner, "MAYBE"]] as const) {
      expect((await clubAction(who.client, clubId, { intent: "answer", eventId: soon, answer: value })).status).toBe(302);
      expect((await clubAction(who.client, clubId, { intent: "answer", eventId: later, answer: "GOING" })).status).toBe(302);
    }
    const memberNotes = await openEventStream(member.client, "/account/live");
    await memberNotes.next((e) => e.event === "snapshot");

    await enqueue("clubs.remind-events", { requestedAt: new Date().toISOString() });
    await waitFor(() => db.clubEvent.findUniqueOrThrow({ where: { id: soon } }), (event) => event.remindedAt !== null);
    const toast = await memberNotes.next((e) => e.event === "delta" && (e.data as { notification?: NotificationView }).notification?.kind === "club.reminder");
    expect((toast.data as { notification: NotificationView }).notification.title).toBe("Tomorrow: Sunday long run");
    const reminded = await db.notification.findMany({ where: { kind: "club.reminder" , userId: { in: [owner.user.id, admin.user.id, member.user.id, muted.user.id] } }, select: { userId: true } });
    expect(reminded.map((n) => n.userId)).toEqual([member.user.id]);
    expect((await db.clubEvent.findUniqueOrThrow({ where: { id: later } })).remindedAt).toBeNull();

    // A second scan (or a job run twice) reminds nobody again.
    await db.clubEvent.update({ where: { id: soon }, data: { remindedAt: null } });
    await enqueue("clubs.remind-events", { requestedAt: new Date(Date.now() + 1).toISOString() });
    await waitFor(() => db.clubEvent.findUniqueOrThrow({ where: { id: soon } }), (event) => event.remindedAt !== null);
    expect(await db.notification.count({ where: { kind: "club.reminder", userId: member.user.id } })).toBe(1);

    // Unmuting brings notifications back.
    expect((await clubAction(muted.client, clubId, { intent: "unmute" })).status).toBe(302);
    expect((await createEvent(admin.client, clubId, { title: "Social" })).status).toBe(302);
    expect(await db.notification.count({ where: { userId: muted.user.id, kind: "club.event" } })).toBe(1);
    await memberNotes.close();
  });

  it("lets an admin open a room for a race from the club; members are told and join it in one click", async () => {
    const { owner, admin, member, clubId } = await clubWithTeam();
    const { organisation } = await createOrganisation("OWNER");
    const race = await createRace(organisation.id, { status: "PUBLISHED", startsAt: new Date(Date.now() + 30 * 86400_000) });
    expect((await clubAction(member.client, clubId, { intent: "room", raceId: race.id, maxMembers: "10" })).status).toBe(403);
    expect((await clubAction(admin.client, clubId, { intent: "room", raceId: race.id, maxMembers: "1" })).status).toBe(400);
    expect((await clubAction(admin.client, clubId, { intent: "room", raceId: "no-race", maxMembers: "10" })).status).toBe(404);
    expect(await db.room.count({ where: { clubId } })).toBe(0);

    const opened = await clubAction(admin.client, clubId, { intent: "room", raceId: race.id, teamName: "", maxMembers: "10" });
    expect(opened.status).toBe(302);
    const room = await db.room.findFirstOrThrow({ where: { clubId } });
    expect(opened.headers.get("Location")).toBe(`/rooms/${room.id}`);
    expect(room).toMatchObject({ raceId: race.id, ownerId: admin.user.id, teamName: "Harbour Harriers", visibility: "PRIVATE" });
    const told = await db.notification.findFirstOrThrow({ where: { userId: member.user.id, kind: "club.room" } });
    expect(told.href).toBe(`/rooms/join/${room.code}`);
    expect(await db.notification.count({ where: { userId: owner.user.id, kind: "club.room" } })).toBe(1);

    const page = await (await member.client.request(`/clubs/${clubId}`)).text();
    expect(page).toContain(`action="/rooms/join/${room.code}"`);
    const joined = await member.client.post(`/rooms/join/${room.code}`, {});
    expect(joined.headers.get("Location")).toBe(`/rooms/${room.id}`);
    expect(await db.roomMember.count({ where: { roomId: room.id, leftAt: null } })).toBe(2);
  });
});
