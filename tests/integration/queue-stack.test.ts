import { describe, expect, it } from "vitest";
import type { QueueFrame } from "~/lib/queue-rules";
import { admitNext, joinQueue, saveQueueSettings } from "~/services/queue.server";
import { db } from "~/utils/db.server";
import { createOrganisation, createRace, createTicketType, createUser } from "../support/factories";
import { Client, openEventStream } from "../support/http";
import { loggedIn } from "../support/session";
import { startWorkerForTest, useStack } from "../support/stack";
import { waitFor } from "../support/wait";

const { web } = useStack();

async function queuedRace({ admitPerMinute = null as number | null, people = 0 } = {}) {
  const { organisation, user: organiser } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id, { status: "PUBLISHED" });
  const type = await createTicketType(race.id, { capacity: 100 });
  const opensAt = new Date(Date.now() - 60_000);
  await saveQueueSettings({ raceId: race.id, actorId: organiser.id, settings: { enabled: true, opensAt, preQueueMinutes: 30, admitPerMinute, passMinutes: 10, checkoutCap: 100 } });
  const users = await Promise.all(Array.from({ length: people }, () => createUser()));
  for (const user of users) await joinQueue({ raceId: race.id, userId: user.id, now: opensAt });
  return { race, type, organiser, users };
}

const queueState = (raceId: string) => db.raceQueue.findUniqueOrThrow({ where: { raceId } });
const calledNumbers = async (raceId: string) =>
  (await db.queueEntry.findMany({ where: { raceId, status: "CALLED" }, select: { number: true }, orderBy: { number: "asc" } })).map((e) => e.number);

describe("the admission job in the worker", () => {
  it("admits at the set rate and carries on after a worker restart without losing or repeating anyone", async () => {
    const { race } = await queuedRace({ admitPerMinute: 120, people: 40 });
    // Timed from the start request: the worker may tick before the test sees its ready line.
    const started = Date.now();
    const first = await startWorkerForTest();
    await waitFor(() => queueState(race.id), (q) => q.admittedCount >= 4, 20_000);
    await first.stop();
    const stoppedAt = Date.now();
    const before = (await queueState(race.id)).admittedCount;
    // 2 a second, at most one tick's worth more than the time it ran for.
    expect(before).toBeLessThanOrEqual(Math.ceil(((stoppedAt - started) / 1000) * 2) + 2);
    expect(await calledNumbers(race.id)).toEqual(Array.from({ length: before }, (_, i) => i + 1));

    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await queueState(race.id)).admittedCount).toBe(before);

    const restarted = Date.now();
    const second = await startWorkerForTest();
    const after = await waitFor(() => queueState(race.id), (q) => q.admittedCount >= before + 4, 20_000);
    const ranFor = (Date.now() - restarted) / 1000;
    // The two seconds without a worker earned nothing: no burst when it came back.
    expect(after.admittedCount - before).toBeLessThanOrEqual(Math.ceil(ranFor * 2) + 2);
    await second.stop();
    const numbers = await calledNumbers(race.id);
    const total = (await queueState(race.id)).admittedCount;
    expect(numbers).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect((await queueState(race.id)).servingUpTo).toBe(total);
  });
});

describe("the queue over HTTP", () => {
  it("refuses a direct POST to reserve without a pass, with a forged pass or another user's pass; takes the buyer's own", async () => {
    const { race, type, organiser, users } = await queuedRace({ people: 2 });
    const [me, other] = users;
    await admitNext({ raceId: race.id, actorId: organiser.id, count: 2 });
    const theirs = (await db.queueEntry.findUniqueOrThrow({ where: { raceId_userId: { raceId: race.id, userId: other!.id } } })).passToken!;
    const client = await loggedIn(web.url, me!.email);
    const cart = { [`qty_${type.id}`]: "1" };
    for (const queuePass of [undefined, "forged", theirs]) {
      const response = await client.post(`/races/${race.slug}`, queuePass ? { ...cart, queuePass } : cart);
      expect(response.status).toBe(403);
      const html = await response.text();
      expect(html).toMatch(/join the queue|not valid for your account/);
      expect(html).toContain(`href="/races/${race.slug}/queue"`);
    }
    expect(await db.order.count({ where: { raceId: race.id } })).toBe(0);

    const page = await (await client.request(`/races/${race.slug}`)).text();
    const mine = /name="queuePass" value="([^"]+)"/.exec(page)?.[1];
    expect(mine).toBeTruthy();
    const response = await client.post(`/races/${race.slug}`, { ...cart, queuePass: mine! });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toMatch(/^\/checkout\//);
  });

  it("joins and leaves through the queue page; joining twice and leaving twice are 409s", async () => {
    const { race } = await queuedRace();
    const user = await createUser();
    const client = await loggedIn(web.url, user.email);
    expect((await client.post(`/races/${race.slug}/queue`, { intent: "join" })).status).toBe(302);
    expect((await client.post(`/races/${race.slug}/queue`, { intent: "join" })).status).toBe(409);
    const page = await (await client.request(`/races/${race.slug}/queue`)).text();
    expect(page).toContain("You&#x27;re next");
    expect((await client.post(`/races/${race.slug}/queue`, { intent: "leave" })).status).toBe(302);
    expect((await client.post(`/races/${race.slug}/queue`, { intent: "leave" })).status).toBe(409);
  });

  it("sends one frame per change to every waiting page within a second of an admission", async () => {
    const { race, organiser } = await queuedRace({ people: 3 });
    const streams = await Promise.all([0, 1, 2].map(() => openEventStream(new Client(web.url), `/races/${race.slug}/queue/live`)));
    for (const stream of streams) {
      const first = await stream.next((e) => e.event === "snapshot");
      expect(first.data).toMatchObject({ type: "queue", servingUpTo: 0, admitted: 0, waiting: 3 });
    }
    const admittedAt = Date.now();
    await admitNext({ raceId: race.id, actorId: organiser.id, count: 1 });
    for (const stream of streams) {
      const frame = await stream.next((e) => e.event === "snapshot" && (e.data as QueueFrame).servingUpTo === 1, 5_000);
      expect(frame.data).toMatchObject({ admitted: 1, waiting: 2 });
    }
    expect(Date.now() - admittedAt).toBeLessThan(1_000);
    await Promise.all(streams.map((s) => s.close()));
    expect((await new Client(web.url).request("/races/no-such-race/queue/live")).status).toBe(404);
  });
});
