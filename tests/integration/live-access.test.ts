import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { issuePasswordReset } from "~/services/password-reset.server";
import { revokeSessions } from "~/services/sessions.server";
import { changeMemberRole, removeMember } from "~/services/team.server";
import { db } from "~/utils/db.server";
import { redis } from "~/utils/redis.server";
import { addMember, createOrganisation, createRace, createUser } from "../support/factories";
import { Client, openEventStream, type SseEvent } from "../support/http";
import { startWeb, testEnv } from "../support/processes";
import { loggedIn } from "../support/session";

/** Well under the periodic re-check, so a feed that ends this fast ended on the revocation message. */
const PROMPTLY_MS = 5_000;

// `web` re-checks access on its own only every 5 minutes: what ends its feeds is the message a revocation
// publishes. `rechecking` re-checks every second: it ends feeds whose access went without any message.
let web: Awaited<ReturnType<typeof startWeb>>;
let rechecking: Awaited<ReturnType<typeof startWeb>>;

beforeAll(async () => {
  [web, rechecking] = await Promise.all([startWeb(testEnv({ LIVE_ACCESS_RECHECK_SECONDS: "300" })), startWeb(testEnv({ LIVE_ACCESS_RECHECK_SECONDS: "1" }))]);
});
afterAll(async () => {
  await Promise.all([web?.stop(), rechecking?.stop()]);
  await db.$disconnect();
  await redis.quit();
});

const isSnapshot = (event: SseEvent) => event.event === "snapshot";

async function openFeed(client: Client, path: string) {
  const feed = await openEventStream(client, path);
  expect(feed.response.status).toBe(200);
  await feed.next(isSnapshot);
  return feed;
}

/** The session id a client's cookie carries (Remix's signed cookie: base64 JSON, a dot, the signature). */
function sessionIdOf(client: Client) {
  const [encoded] = decodeURIComponent(client.cookie("startline_session") ?? "").split(".");
  return JSON.parse(Buffer.from(encoded ?? "", "base64").toString("utf8")) as string;
}

/** An organisation's race with an owner, a manager and check-in staff, each signed in. */
async function raceWithStaff(baseUrl: string) {
  const { organisation, user: owner } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id);
  const manager = await addMember(organisation.id, "MANAGER");
  const desk = await addMember(organisation.id, "CHECKIN");
  const memberId = (userId: string) => db.organisationMember.findFirstOrThrow({ where: { organisationId: organisation.id, userId }, select: { id: true } }).then((m) => m.id);
  return {
    organisation,
    race,
    owner,
    manager: { user: manager, client: await loggedIn(baseUrl, manager.email), memberId: await memberId(manager.id) },
    desk: { user: desk, client: await loggedIn(baseUrl, desk.email), memberId: await memberId(desk.id) },
  };
}

describe("the user feed ends with its session", () => {
  it("ends the feeds of a session logged out in another tab, and only that session's", async () => {
    const user = await createUser({ name: "Tab Tester" });
    const laptop = await loggedIn(web.url, user.email);
    const phone = await loggedIn(web.url, user.email);
    const [laptopTabA, laptopTabB, phoneTab] = await Promise.all([openFeed(laptop, "/account/live"), openFeed(laptop, "/account/live"), openFeed(phone, "/account/live")]);

    expect((await laptop.post("/logout", {})).status).toBe(302);
    expect(await laptopTabA.endsWithin(PROMPTLY_MS)).toBe(true);
    expect(await laptopTabB.endsWithin(PROMPTLY_MS)).toBe(true);

    // The phone's session is untouched: its feed still delivers.
    await publish(channels.user(user.id), { type: "credits.balance", balance: 42 });
    await phoneTab.next((e) => e.event === "delta" && (e.data as { balance?: number }).balance === 42);
    expect(await phoneTab.endsWithin(0)).toBe(false);
    const reconnect = await laptop.request("/account/live", { headers: { Accept: "text/event-stream" } });
    expect(reconnect.status).toBe(401);
    await phoneTab.close();
  });

  it("ends them when a service revokes the sessions, and only those", async () => {
    const user = await createUser({ name: "Reset Tester" });
    const stolen = await loggedIn(web.url, user.email);
    const mine = await loggedIn(web.url, user.email);
    const [stolenFeed, myFeed] = await Promise.all([openFeed(stolen, "/account/live"), openFeed(mine, "/account/live")]);
    const keep = sessionIdOf(mine);

    expect(await revokeSessions({ userId: user.id, id: { not: keep } })).toBe(1);
    expect(await stolenFeed.endsWithin(PROMPTLY_MS)).toBe(true);
    await publish(channels.user(user.id), { type: "credits.balance", balance: 7 });
    await myFeed.next((e) => e.event === "delta" && (e.data as { balance?: number }).balance === 7);
    await myFeed.close();
  });

  it("ends every feed of the account when its password is reset", async () => {
    const user = await createUser({ name: "Reset Tester" });
    const stolen = await loggedIn(web.url, user.email);
    const feeds = await Promise.all([openFeed(stolen, "/account/live"), openFeed(await loggedIn(web.url, user.email), "/account/live")]);
    await issuePasswordReset({ email: user.email, requestKey: randomUUID() });
    const email = await db.emailMessage.findFirstOrThrow({ where: { to: user.email, kind: "password-reset" } });
    const link = new URL(/https?:\/\/\S+\/reset-password\/\S+/.exec(email.text)![0]).pathname;
    const browser = new Client(web.url);
    expect((await browser.post(link, { password: "a-brand-new-password", confirmPassword: "a-brand-new-password" })).status).toBe(302);
    for (const feed of feeds) expect(await feed.endsWithin(PROMPTLY_MS)).toBe(true);
    expect((await stolen.request("/account/live", { headers: { Accept: "text/event-stream" } })).status).toBe(401);
    await (await openFeed(browser, "/account/live")).close();
  });

  it("ends them when the session expires or is deleted without a word, at the next periodic check", async () => {
    const user = await createUser({ name: "Expiry Tester" });
    const expiring = await loggedIn(rechecking.url, user.email);
    const deleted = await loggedIn(rechecking.url, user.email);
    const [expiringFeed, deletedFeed] = await Promise.all([openFeed(expiring, "/account/live"), openFeed(deleted, "/account/live")]);
    await db.session.update({ where: { id: sessionIdOf(expiring) }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await db.session.delete({ where: { id: sessionIdOf(deleted) } });
    expect(await expiringFeed.endsWithin(PROMPTLY_MS)).toBe(true);
    expect(await deletedFeed.endsWithin(PROMPTLY_MS)).toBe(true);
  });
});

describe("organiser feeds end with the viewer's role", () => {
  it("ends a manager's dashboard when they are demoted below manager, while their check-in feed stays", async () => {
    const { organisation, owner, race, manager } = await raceWithStaff(web.url);
    const dashboard = await openFeed(manager.client, `/organiser/races/${race.id}/dashboard/live`);
    const checkin = await openFeed(manager.client, `/organiser/races/${race.id}/checkin/live`);

    await changeMemberRole(organisation.id, owner.id, manager.memberId, "CHECKIN");
    expect(await dashboard.endsWithin(PROMPTLY_MS)).toBe(true);
    await publish(channels.raceActivity(race.id), { type: "checkin", at: new Date().toISOString(), participantId: "still-listening", checkedInCount: 0 });
    await checkin.next((e) => e.event === "delta" && (e.data as { participantId?: string }).participantId === "still-listening");
    expect((await manager.client.request(`/organiser/races/${race.id}/dashboard/live`, { headers: { Accept: "text/event-stream" } })).status).toBe(403);
    await checkin.close();
  });

  it("ends the check-in and dashboard feeds of someone removed from the organisation", async () => {
    const { organisation, owner, race, manager, desk } = await raceWithStaff(web.url);
    const deskFeed = await openFeed(desk.client, `/organiser/races/${race.id}/checkin/live`);
    const managerFeed = await openFeed(manager.client, `/organiser/races/${race.id}/dashboard/live`);

    await removeMember(organisation.id, owner.id, desk.memberId);
    expect(await deskFeed.endsWithin(PROMPTLY_MS)).toBe(true);
    await removeMember(organisation.id, owner.id, manager.memberId);
    expect(await managerFeed.endsWithin(PROMPTLY_MS)).toBe(true);
    expect((await desk.client.request(`/organiser/races/${race.id}/checkin/live`, { headers: { Accept: "text/event-stream" } })).status).toBe(404);
  });

  it("ends them at the next periodic check when the role changes without a message", async () => {
    const { race, manager, desk } = await raceWithStaff(rechecking.url);
    const dashboard = await openFeed(manager.client, `/organiser/races/${race.id}/dashboard/live`);
    const deskFeed = await openFeed(desk.client, `/organiser/races/${race.id}/checkin/live`);
    await db.organisationMember.update({ where: { id: manager.memberId }, data: { role: "CHECKIN" } });
    await db.organisationMember.delete({ where: { id: desk.memberId } });
    expect(await dashboard.endsWithin(PROMPTLY_MS)).toBe(true);
    expect(await deskFeed.endsWithin(PROMPTLY_MS)).toBe(true);
  });
});
