import { describe, expect, it } from "vitest";
import { db } from "~/utils/db.server";
import { ONLINE_PUSH_MS, ONLINE_STALE_MS } from "~/services/club-presence.server";
import { openEventStream } from "../support/http";
import { redisForTest } from "../support/app-clients";
import { useStack } from "../support/stack";
import { waitFor } from "../support/wait";
import { loggedIn } from "../support/session";
import { createClubAs, joinWithCode, person, viewOf } from "../support/clubs";

// Two web processes of one deployment: same database, same Redis, same prefix.
const { web: webA } = useStack();
const { web: webB } = useStack();
const inspector = redisForTest();

type Tab = Awaited<ReturnType<typeof openEventStream>>;

/** The tab's latest snapshot once it passes `test` (earlier snapshots do not count: the list changes over time). */
function latest(tab: Tab, test: (club: ReturnType<typeof viewOf>) => boolean, timeoutMs: number) {
  const last = () => viewOf(tab.events.filter((e) => e.event === "snapshot").at(-1)!);
  return waitFor(async () => last(), test, timeoutMs);
}

const onlineNames = (club: ReturnType<typeof viewOf>) => club.members.filter((m) => m.online).map((m) => m.name).sort();

describe("who is here now in a club", () => {
  it("lists each member with the page open once, across web processes and tabs, and drops them when they leave", async () => {
    const ann = await person(webA.url, "Ann Alpha");
    const ben = await person(webB.url, "Ben Beta");
    const cat = await person(webA.url, "Cat Gamma");
    const { clubId, code } = await createClubAs(ann.client);
    for (const one of [ben, cat]) expect((await joinWithCode(one.client, code)).status).toBe(302);
    const feed = (client: typeof ann.client) => openEventStream(client, `/clubs/${clubId}/live`);

    // Ann has two tabs, one on each process; Ben one tab on B; Cat has the page closed.
    const annOnA = await feed(ann.client);
    const annOnB = await feed(await loggedIn(webB.url, ann.user.email));
    const benOnB = await feed(ben.client);
    const wait = 2 * ONLINE_PUSH_MS + 5_000;
    for (const tab of [annOnA, annOnB, benOnB]) {
      await tab.next((e) => e.event === "snapshot");
      const seen = await latest(tab, (club) => club.onlineCount === 2, wait);
      expect(onlineNames(seen)).toEqual(["Ann Alpha", "Ben Beta"]);
      expect(seen.members.find((m) => m.name === "Cat Gamma")?.online).toBe(false);
    }
    // Redis holds one field per process, each with the members of that process: Ann twice, counted once.
    const fields = await inspector.hvals(`${process.env.REDIS_PREFIX}:club:${clubId}:online`);
    expect(fields).toHaveLength(2);

    // Closing one of Ann's tabs keeps her online; closing the other takes her off every page.
    await annOnA.close();
    await new Promise((resolve) => setTimeout(resolve, 2 * ONLINE_PUSH_MS));
    expect(viewOf(benOnB.events.filter((e) => e.event === "snapshot").at(-1)!).onlineCount).toBe(2);
    await annOnB.close();
    const after = await latest(benOnB, (club) => club.onlineCount === 1, wait);
    expect(onlineNames(after)).toEqual(["Ben Beta"]);

    // The page itself renders the same list, with "Online" beside the name.
    const html = await (await cat.client.request(`/clubs/${clubId}`)).text();
    expect(html).toMatch(/Ben Beta<\/span>(<!-- -->)?.*?Online/s);
    await benOnB.close();
  });

  it("drops a process's members once its entry goes stale (a web process that died)", async () => {
    const dee = await person(webA.url, "Dee Delta");
    const { clubId } = await createClubAs(dee.client);
    const key = `${process.env.REDIS_PREFIX}:club:${clubId}:online`;
    const dead = await db.user.findFirstOrThrow({ where: { id: dee.user.id }, select: { id: true } });
    await inspector.hset(key, "dead-host:1:abc", `${Date.now() - ONLINE_STALE_MS - 1_000}:${dead.id}`);
    const html = await (await dee.client.request(`/clubs/${clubId}`)).text();
    expect(html).toMatch(/0 people(<!-- -->)? here now/);
    expect(await inspector.hexists(key, "dead-host:1:abc")).toBe(0);
  });
});
