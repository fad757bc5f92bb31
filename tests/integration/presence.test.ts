import pg from "pg";
import { describe, expect, it } from "vitest";
import { createOrganisation, createRace, createTicketType } from "../support/factories";
import { Client, openEventStream } from "../support/http";
import { redisForTest } from "../support/app-clients";
import { useStack } from "../support/stack";
import { waitFor } from "../support/wait";
import { VIEWERS_PUSH_MS } from "~/services/race-presence.server";

type Viewer = Awaited<ReturnType<typeof openEventStream>>;
type RaceSnapshot = { type: "availability"; remaining: Record<string, number>; watching: number };

// Two web processes of one deployment: same database, same Redis, same prefix.
const { web: webA } = useStack();
const { web: webB } = useStack();
const inspector = redisForTest();

async function publishedRace() {
  const { organisation } = await createOrganisation();
  const race = await createRace(organisation.id, { status: "PUBLISHED" });
  const type = await createTicketType(race.id, { name: "10K", capacity: 50, priceMinor: 3000 });
  return { race, type };
}

function watchingNow(viewer: Viewer) {
  const snapshots = viewer.events.filter((e) => e.event === "snapshot");
  return (snapshots.at(-1)?.data as RaceSnapshot | undefined)?.watching;
}

/**
 * What every open viewer shows, read until all agree on `expected`. Counts are pushed at a steady cadence
 * (at most once per VIEWERS_PUSH_MS, ADR 0026): a change reaches every page within two pushes (the
 * process writing its count, then each feed reading the total), so the wait allows for both, plus slack for a CI
 * machine running many test files at once (one run saw a process answer 2.5 s late). How fast a change reaches the
 * pages is measured by `npm run bench -- sse`, not here; this checks that every page converges on the right total.
 */
async function shownWithinTwoPushes(viewers: Viewer[], expected: number) {
  const shown = await waitFor(async () => viewers.map(watchingNow), (counts) => counts.every((n) => n === expected), 2 * VIEWERS_PUSH_MS + 5_000);
  return shown;
}

async function pageSays(baseUrl: string, slug: string) {
  const html = await (await new Client(baseUrl).request(`/races/${slug}`)).text();
  return /(\d+) (?:people|person) looking at this race now/.exec(html)?.[1];
}

const viewersKey = (raceId: string) => `${process.env.REDIS_PREFIX}:race:${raceId}:viewers`;

/** Viewers as the web processes recorded them in Redis: one "count:stamp" field per process. */
async function countedInRedis(raceId: string) {
  const fields = await inspector.hvals(viewersKey(raceId));
  return fields.reduce((sum, value) => sum + Number(value.split(":")[0]), 0);
}

describe("people looking at a race page now", () => {
  it("counts anonymous viewers on every web process, live, up and down", async () => {
    const { race, type } = await publishedRace();
    const path = `/races/${race.slug}/live`;

    const first = await openEventStream(new Client(webA.url), path);
    const opening = (await first.next((e) => e.event === "snapshot")).data as RaceSnapshot;
    expect(opening).toEqual({ type: "availability", remaining: { [type.id]: 50 }, watching: 1 });

    const second = await openEventStream(new Client(webB.url), path);
    const third = await openEventStream(new Client(webB.url), path);
    const fourth = await openEventStream(new Client(webA.url), path);
    const everyone = [first, second, third, fourth];
    expect(await shownWithinTwoPushes(everyone, 4)).toEqual([4, 4, 4, 4]);
    expect(await pageSays(webA.url, race.slug)).toBe("4");
    expect(await pageSays(webB.url, race.slug)).toBe("4");
    expect(await countedInRedis(race.id)).toBe(4);
    expect(await inspector.hlen(viewersKey(race.id))).toBe(2);

    await third.close();
    const left = [first, second, fourth];
    expect(await shownWithinTwoPushes(left, 3)).toEqual([3, 3, 3]);

    await first.close();
    expect(await shownWithinTwoPushes([second, fourth], 2)).toEqual([2, 2]);
    expect(await pageSays(webA.url, race.slug)).toBe("2");
    expect(await pageSays(webB.url, race.slug)).toBe("2");

    const fifth = await openEventStream(new Client(webB.url), path);
    expect(await shownWithinTwoPushes([second, fourth, fifth], 3)).toEqual([3, 3, 3]);

    await Promise.all([second.close(), fourth.close(), fifth.close()]);
    expect(await waitFor(() => countedInRedis(race.id), (n) => n === 0, 2 * VIEWERS_PUSH_MS + 500)).toBe(0);
    expect(await pageSays(webB.url, race.slug)).toBe("0");
  });

  it("shows the newest count when the first read of places is slow (an old read never lands after a newer one)", async () => {
    const { race, type } = await publishedRace();
    const path = `/races/${race.slug}/live`;
    // Both processes know the race before the table is locked: only the feeds' reads of places wait.
    expect(await pageSays(webA.url, race.slug)).toBe("0");
    expect(await pageSays(webB.url, race.slug)).toBe("0");
    const locker = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await locker.connect();
    try {
      await locker.query("BEGIN");
      await locker.query(`LOCK TABLE "TicketType" IN ACCESS EXCLUSIVE MODE`);
      const first = await openEventStream(new Client(webA.url), path);
      await new Promise((resolve) => setTimeout(resolve, 1.5 * VIEWERS_PUSH_MS));
      const second = await openEventStream(new Client(webB.url), path);
      await waitFor(() => countedInRedis(race.id), (n) => n === 2, 2 * VIEWERS_PUSH_MS + 5_000);
      await new Promise((resolve) => setTimeout(resolve, 1.5 * VIEWERS_PUSH_MS));
      await locker.query("COMMIT");
      expect(await shownWithinTwoPushes([first, second], 2)).toEqual([2, 2]);
      // Nothing changes after: the pages keep showing 2, not a count read before the second page opened.
      await new Promise((resolve) => setTimeout(resolve, 2 * VIEWERS_PUSH_MS));
      expect([first, second].map(watchingNow)).toEqual([2, 2]);
      expect(first.events.filter((e) => e.event === "snapshot").map((e) => e.data)).toContainEqual({ type: "availability", remaining: { [type.id]: 50 }, watching: 2 });
      await Promise.all([first.close(), second.close()]);
    } finally {
      await locker.end();
    }
  });

  it("keeps counting separately per race", async () => {
    const one = await publishedRace();
    const other = await publishedRace();
    const onOne = await openEventStream(new Client(webA.url), `/races/${one.race.slug}/live`);
    const onOther = await openEventStream(new Client(webB.url), `/races/${other.race.slug}/live`);
    const alsoOnOther = await openEventStream(new Client(webA.url), `/races/${other.race.slug}/live`);
    expect(await shownWithinTwoPushes([onOther, alsoOnOther], 2)).toEqual([2, 2]);
    expect(watchingNow(onOne)).toBe(1);
    await Promise.all([onOne.close(), onOther.close(), alsoOnOther.close()]);
  });

  it("stops counting viewers whose process stopped refreshing them, and tells the pages", async () => {
    const { race } = await publishedRace();
    // Seven viewers left behind by a process that died 50 s ago: its count was never refreshed or removed.
    await inspector.hset(viewersKey(race.id), "crashed-process", `7:${Date.now() - 50_000}`);
    expect(await pageSays(webA.url, race.slug)).toBe("0");

    const viewer = await openEventStream(new Client(webB.url), `/races/${race.slug}/live`);
    expect(await shownWithinTwoPushes([viewer], 1)).toEqual([1]);
    expect(await inspector.hexists(viewersKey(race.id), "crashed-process")).toBe(0);
    await viewer.close();
  });

  it("shows the count on the race page with an accessible label", async () => {
    const { race } = await publishedRace();
    const viewer = await openEventStream(new Client(webA.url), `/races/${race.slug}/live`);
    await viewer.next((e) => e.event === "snapshot");
    const html = await (await new Client(webB.url).request(`/races/${race.slug}`)).text();
    expect(html).toMatch(/role="status"[^>]*aria-label="1 person looking at this race now/);
    await viewer.close();
  });

  it("answers 404 for a race that is not public, and counts nobody", async () => {
    const { organisation } = await createOrganisation();
    const draft = await createRace(organisation.id, { status: "DRAFT" });
    expect((await new Client(webA.url).request(`/races/${draft.slug}/live`)).status).toBe(404);
    expect(await inspector.exists(viewersKey(draft.id))).toBe(0);
  });
});
