import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatTime } from "~/lib/time";
import { db } from "~/utils/db.server";
import { addMember, createOrganisation, createParticipant, createRace, createTicketType } from "../support/factories";
import { openEventStream } from "../support/http";
import { startWeb, testEnv } from "../support/processes";
import { loggedIn } from "../support/session";

let web: Awaited<ReturnType<typeof startWeb>>;

beforeAll(async () => {
  web = await startWeb(testEnv());
});
afterAll(async () => {
  await web?.stop();
  await db.$disconnect();
});

async function html(response: Response | Promise<Response>) {
  return (await (await response).text()).replaceAll("<!-- -->", "");
}

/** A race a day away with two runners; check-in staff named so "checked in by" can be read. */
async function checkinDesk() {
  const { organisation, user: owner } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id, { startsAt: new Date(Date.UTC(2026, 11, 1, 10)), guardianUnderAge: 18 });
  const type = await createTicketType(race.id, { name: "Half marathon" });
  const staffUser = await addMember(organisation.id, "CHECKIN");
  await db.user.update({ where: { id: staffUser.id }, data: { name: "Cara Checker" } });
  const staff = await loggedIn(web.url, staffUser.email);
  const adult = await createParticipant(race.id, type.id, { firstName: "Ada", lastName: "Adult", dateOfBirth: new Date("1990-01-01") }, 21);
  const minor = await createParticipant(race.id, type.id, { firstName: "Mia", lastName: "Minor", dateOfBirth: new Date("2012-06-30") }, 22);
  const version = await db.waiverVersion.create({ data: { raceId: race.id, version: 1, title: "Waiver", text: "Run safe.", contentHash: "h" } });
  await db.waiverSignature.create({ data: { participantId: minor.participant.id, waiverVersionId: version.id, signedName: "Mia Minor", guardianName: "Gina Guardian", contentHash: "h" } });
  return { organisation, owner, race, type, staff, staffUser, adult, minor, path: `/organiser/races/${race.id}/checkin` };
}

describe("check-in desk", () => {
  it("finds a participant by QR token or bib and shows what the desk must check", async () => {
    const { staff, path, adult, minor } = await checkinDesk();
    const byToken = await staff.request(`${path}?code=${encodeURIComponent(minor.ticket.qrToken)}`);
    expect(byToken.status).toBe(200);
    const page = await html(byToken);
    for (const text of ["Mia Minor", ">22<", "Half marathon", "Waiver signed", "Yes", "Minor, guardian Gina Guardian", "Check in Mia Minor"]) expect(page).toContain(text);

    const byBib = await html(staff.request(`${path}?code=21`));
    for (const text of ["Ada Adult", "No: ask them to sign", "Adult", "Check in Ada Adult"]) expect(byBib).toContain(text);
    expect(byBib).not.toContain("Mia Minor");

    const byLink = await html(staff.request(`${path}?code=${encodeURIComponent(`https://startline.example/t/${adult.ticket.qrToken}`)}`));
    expect(byLink).toContain("Check in Ada Adult");

    const unknown = await html(staff.request(`${path}?code=nope-123`));
    expect(unknown).toContain("No ticket or bib in Harbour 10K matches “nope-123”");
  });

  it("checks a participant in once, records who did it, and says so on the next scan", async () => {
    const { staff, staffUser, path, adult, race } = await checkinDesk();
    const first = await staff.post(path, { participantId: adult.participant.id });
    expect(first.status).toBe(200);
    expect(await html(first)).toContain("Checked in: Ada Adult, bib 21.");

    const stored = await db.participant.findUniqueOrThrow({ where: { id: adult.participant.id } });
    expect(stored.checkedInAt).toBeInstanceOf(Date);
    expect(stored.checkedInById).toBe(staffUser.id);
    const audit = await db.auditEntry.findMany({ where: { entityId: adult.participant.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "participant.checked_in", actorId: staffUser.id, raceId: race.id, organisationId: race.organisationId });

    const expected = `Already checked in at ${formatTime(stored.checkedInAt!, race.timeZone)} by Cara Checker.`;
    const second = await staff.post(path, { participantId: adult.participant.id });
    expect(second.status).toBe(409);
    expect(await html(second)).toContain(expected);
    const rescan = await html(staff.request(`${path}?code=${encodeURIComponent(adult.ticket.qrToken)}`));
    expect(rescan).toContain(expected);
    expect(rescan).not.toContain("Check in Ada Adult");

    const after = await db.participant.findUniqueOrThrow({ where: { id: adult.participant.id } });
    expect(after.checkedInAt).toEqual(stored.checkedInAt);
    expect(await db.auditEntry.count({ where: { entityId: adult.participant.id } })).toBe(1);
  });

  it("lets exactly one of several desks scanning at once check a participant in", async () => {
    const { organisation, staff, path, minor } = await checkinDesk();
    const other = await loggedIn(web.url, (await addMember(organisation.id, "MANAGER")).email);
    const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? other : staff).post(path, { participantId: minor.participant.id })));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    expect(await db.auditEntry.count({ where: { entityId: minor.participant.id, action: "participant.checked_in" } })).toBe(1);
  });

  it("refuses refunded and cancelled tickets, saying why", async () => {
    const { staff, path, adult, minor } = await checkinDesk();
    await db.ticket.update({ where: { id: adult.ticket.id }, data: { status: "REFUNDED" } });
    await db.ticket.update({ where: { id: minor.ticket.id }, data: { status: "CANCELLED" } });

    const refunded = await staff.post(path, { participantId: adult.participant.id });
    expect(refunded.status).toBe(409);
    expect(await html(refunded)).toContain("This ticket was refunded, so Ada Adult cannot be checked in.");
    const lookup = await html(staff.request(`${path}?code=21`));
    expect(lookup).toContain("This ticket was refunded");
    expect(lookup).not.toContain("Check in Ada Adult");

    const cancelled = await staff.post(path, { participantId: minor.participant.id });
    expect(cancelled.status).toBe(409);
    expect(await html(cancelled)).toContain("This ticket was cancelled, so Mia Minor cannot be checked in.");

    const rows = await db.participant.findMany({ where: { id: { in: [adult.participant.id, minor.participant.id] } } });
    expect(rows.map((r) => r.checkedInAt)).toEqual([null, null]);
    expect(await db.auditEntry.count({ where: { entityId: { in: [adult.participant.id, minor.participant.id] } } })).toBe(0);
  });

  it("shows 'N of M checked in' live: a check-in reaches an open stream within a second", async () => {
    const { staff, path, adult, minor } = await checkinDesk();
    await db.ticket.update({ where: { id: minor.ticket.id }, data: { status: "REFUNDED" } });
    const page = await html(staff.request(path));
    expect(page).toMatch(/0<\/span> of 1 checked in/);

    const stream = await openEventStream(staff, `${path}/live`);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
    const snapshot = await stream.next((e) => e.event === "snapshot");
    expect(snapshot.data).toEqual({ type: "snapshot", checkedIn: 0, total: 1 });

    const desk = await loggedIn(web.url, (await addMember((await db.race.findUniqueOrThrow({ where: { id: adult.participant.raceId } })).organisationId, "CHECKIN")).email);
    const sentAt = Date.now();
    expect((await desk.post(path, { participantId: adult.participant.id })).status).toBe(200);
    const delta = await stream.next((e) => e.event === "delta" && (e.data as { type: string }).type === "checkin", 1_000);
    expect(Date.now() - sentAt).toBeLessThan(1_000);
    expect(delta.data).toMatchObject({ type: "checkin", participantId: adult.participant.id, checkedInCount: 1 });
    await stream.close();
  });
});

describe("who may check people in", () => {
  it("answers 404 to another organisation's member on the desk, the stream and check-in, and writes nothing", async () => {
    const { path, adult } = await checkinDesk();
    const { user } = await createOrganisation("OWNER");
    const stranger = await loggedIn(web.url, user.email);
    expect((await stranger.request(path)).status).toBe(404);
    expect((await stranger.request(`${path}?code=${encodeURIComponent(adult.ticket.qrToken)}`)).status).toBe(404);
    expect((await stranger.request(`${path}/live`)).status).toBe(404);
    expect((await stranger.post(path, { participantId: adult.participant.id })).status).toBe(404);
    expect((await db.participant.findUniqueOrThrow({ where: { id: adult.participant.id } })).checkedInAt).toBeNull();
    expect(await db.auditEntry.count({ where: { entityId: adult.participant.id } })).toBe(0);
  });

  it("does not check in a participant of another race through this race's desk", async () => {
    const { staff, path, organisation } = await checkinDesk();
    const otherRace = await createRace(organisation.id);
    const otherType = await createTicketType(otherRace.id);
    const { participant, ticket } = await createParticipant(otherRace.id, otherType.id, {}, 5);
    expect((await staff.post(path, { participantId: participant.id })).status).toBe(404);
    expect(await html(staff.request(`${path}?code=${encodeURIComponent(ticket.qrToken)}`))).toContain("No ticket or bib in");
    expect((await db.participant.findUniqueOrThrow({ where: { id: participant.id } })).checkedInAt).toBeNull();
  });

  it("lets check-in staff and owners use the desk, and sends anonymous visitors to log in", async () => {
    const { owner, path } = await checkinDesk();
    const ownerClient = await loggedIn(web.url, owner.email);
    expect((await ownerClient.request(path)).status).toBe(200);
    const anonymous = await fetch(new URL(path, web.url), { redirect: "manual" });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("Location")).toContain("/login");
  });
});
