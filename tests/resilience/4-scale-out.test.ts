import { afterAll, expect, it } from "vitest";
import { completedIds, runningJobs, runsPerJob } from "./support/job-log";
import { deliverLikeStripe, paced, percentile, sleep, waitUntil } from "./support/load";
import { printTable, type ReportRow } from "./support/report";
import { openFeed, type FeedClient } from "./support/sse";
import { prepareStack } from "./support/stack";

/**
 * Scenario 4: two web processes and two workers on one Redis and one database, as behind a load balancer. People
 * on the race page are spread over both web processes: a sale on one shows on the pages the other serves, "people
 * looking" counts both, a room join on one is live on the other, and each job runs once although two workers
 * compete for it. Then one web process gets SIGTERM (a rolling deploy): its pages reconnect to the other within
 * 5 s. Then one worker gets SIGTERM while it runs jobs: it finishes them, and nothing is lost or run twice.
 */

const RACE_WATCHERS = 200;
const FIRST_PAYMENTS = 150;
const SECOND_PAYMENTS = 150;
const LIVE_WITHIN_MS = 2_000;
const RECONNECT_WITHIN_MS = 5_000;

const stack = await prepareStack({ env: { LOGIN_MAX_ATTEMPTS_PER_IP: "1000" } });
const { db } = await import("~/utils/db.server");
const fixtures = await import("./support/fixtures");
const { createUser } = await import("../support/factories");
const { loggedIn } = await import("../support/session");

const feeds: FeedClient[] = [];
afterAll(async () => {
  for (const feed of feeds) feed.close();
  await stack.close();
});

type RaceSnapshot = { remaining: Record<string, number>; watching: number };
type RoomSnapshot = { members: { name: string }[] };

it("serves one race from two web processes and two workers, and survives SIGTERM of one of each", async () => {
  const sale = await fixtures.saleRace({ capacity: 2_000 });
  const first = await fixtures.pendingOrders(sale, FIRST_PAYMENTS);
  const second = await fixtures.pendingOrders(sale, SECOND_PAYMENTS);
  const [webA, webB] = await Promise.all([stack.startWeb(), stack.startWeb()]);
  const [worker1, worker2] = await Promise.all([stack.startWorker(), stack.startWorker()]);
  const servers = [webA.url, webB.url];
  const placesLeft = async () => {
    const type = await db.ticketType.findUniqueOrThrow({ where: { id: sale.type.id }, select: { capacity: true, soldCount: true, heldCount: true } });
    return type.capacity - type.soldCount - type.heldCount;
  };

  // The crowd, every other page on each web process (a round-robin load balancer).
  const raceFeeds = Array.from({ length: RACE_WATCHERS }, (_, i) => openFeed(servers, `/races/${sale.race.slug}/live`, { start: i }));
  feeds.push(...raceFeeds);
  const onA = raceFeeds.filter((f) => f.server === webA.url);
  const onB = raceFeeds.filter((f) => f.server === webB.url);
  const race = (f: FeedClient) => f.last as RaceSnapshot | undefined;
  const crowdSeen = await waitUntil("every page counts the crowd on both processes", async () => raceFeeds.filter((f) => race(f)?.watching === RACE_WATCHERS).length, (n) => n === RACE_WATCHERS, 60_000).catch(() => raceFeeds.filter((f) => race(f)?.watching === RACE_WATCHERS).length);

  // A sale on one process shows on the pages the other serves (and the other way round).
  const salesSeen: { where: string; seen: number; of: number; ms: number }[] = [];
  for (const [seller, watchers, where] of [[webA, onB, "held on A, shown on B's pages"], [webB, onA, "held on B, shown on A's pages"]] as const) {
    const buyer = await loggedIn(seller.url, (await createUser()).email);
    const heldAt = Date.now();
    const held = await buyer.post(`/races/${sale.race.slug}`, { [`qty_${sale.type.id}`]: "2" });
    expect(held.headers.get("Location") ?? "").toMatch(/^\/checkout\//);
    const truth = await placesLeft();
    const shows = (f: FeedClient) => race(f)?.remaining[sale.type.id] === truth;
    await waitUntil(where, async () => watchers.filter(shows).length, (n) => n === watchers.length, LIVE_WITHIN_MS, 20).catch(() => undefined);
    salesSeen.push({ where, seen: watchers.filter(shows).length, of: watchers.length, ms: Date.now() - heldAt });
  }

  // A room made on A, watched by its owner on B; someone joins on A and leaves a page open there.
  const owner = await createUser({ name: "Orla Owner" });
  const joiner = await createUser({ name: "Jack Joiner" });
  const ownerOnA = await loggedIn(webA.url, owner.email);
  const created = await ownerOnA.post(`/races/${sale.race.slug}/rooms`, { intent: "create", name: "Harbour Harriers", maxMembers: "10", visibility: "PUBLIC" });
  expect(created.status).toBe(302);
  const roomId = created.headers.get("Location")!.replace("/rooms/", "");
  const { code } = await db.room.findUniqueOrThrow({ where: { id: roomId }, select: { code: true } });
  const ownerRoom = openFeed([webB.url, webA.url], `/rooms/${roomId}/live`, { headers: { Cookie: ownerOnA.cookieHeader() } });
  feeds.push(ownerRoom);
  await waitUntil("the owner's room page is live on B", async () => ownerRoom.last, Boolean, 20_000);
  const joinerOnA = await loggedIn(webA.url, joiner.email);
  const joinedAt = Date.now();
  expect((await joinerOnA.post(`/rooms/join/${code}`, {})).status).toBe(302);
  const members = (f: FeedClient) => (f.last as RoomSnapshot | undefined)?.members.map((m) => m.name) ?? [];
  const joinLive = await waitUntil("the join on A is live on B", async () => members(ownerRoom).includes("Jack Joiner"), Boolean, LIVE_WITHIN_MS, 20).catch(() => false);
  const joinMs = Date.now() - joinedAt;
  const joinerRoom = openFeed([webA.url, webB.url], `/rooms/${roomId}/live`, { headers: { Cookie: joinerOnA.cookieHeader() } });
  feeds.push(joinerRoom);
  await waitUntil("the joiner's room page is live on A", async () => joinerRoom.last, Boolean, 20_000);

  // Payments arrive at both web processes; both workers take jobs from the same queues.
  const firstEvents = first.map((o) => fixtures.paidEvent(stack.stripe, o.sessionId));
  const firstDeliveries = await paced(firstEvents, 50, (event, i) => deliverLikeStripe(servers[i % 2]!, event, stack.webhookSecret, { deadline: Date.now() + 120_000 }));
  const processed = (ids: string[]) => db.stripeEvent.count({ where: { id: { in: ids }, processedAt: { not: null } } });
  await waitUntil("the first payments processed", () => processed(firstEvents.map((e) => e.id)), (n) => n === FIRST_PAYMENTS, 180_000, 500);
  const afterPayments = await placesLeft();
  const pagesShowingPayments = await waitUntil("every page shows the places left after the payments", async () => raceFeeds.filter((f) => race(f)?.remaining[sale.type.id] === afterPayments).length, (n) => n === RACE_WATCHERS, 10_000).catch(() => raceFeeds.filter((f) => race(f)?.remaining[sale.type.id] === afterPayments).length);

  // SIGTERM to web A, as a rolling deploy does: its pages reconnect to B (the client moves on when A refuses).
  const movedFeeds = [...onA, joinerRoom];
  const terminatedAt = Date.now();
  const webExit = await webA.stop("SIGTERM");
  const backOnB = (f: FeedClient) => f.server === webB.url && f.snapshotTimes.some((t) => t > terminatedAt);
  await waitUntil("A's pages are back, served by B", async () => movedFeeds.filter(backOnB).length, (n) => n === movedFeeds.length, RECONNECT_WITHIN_MS + 5_000, 50).catch(() => undefined);
  const reconnectMs = movedFeeds.map((f) => (f.server === webB.url ? f.snapshotTimes.find((t) => t > terminatedAt) : undefined)).map((t) => (t === undefined ? Infinity : t - terminatedAt));
  const crowdAfter = await waitUntil("the crowd is counted once, on B", async () => raceFeeds.filter((f) => race(f)?.watching === RACE_WATCHERS).length, (n) => n === RACE_WATCHERS, 20_000).catch(() => raceFeeds.filter((f) => race(f)?.watching === RACE_WATCHERS).length);
  const crowdAfterMs = Date.now() - terminatedAt;
  const stillInRoom = members(joinerRoom).includes("Jack Joiner") && members(joinerRoom).includes("Orla Owner");

  // SIGTERM to worker 1 while it runs jobs: the second payments arrive at B, each confirmation email takes a moment.
  stack.smtp.script(Array.from({ length: SECOND_PAYMENTS }, () => ({ delayMs: 300 })));
  const secondEvents = second.map((o) => fixtures.paidEvent(stack.stripe, o.sessionId));
  const delivering = paced(secondEvents, 50, (event) => deliverLikeStripe(webB.url, event, stack.webhookSecret, { deadline: Date.now() + 120_000 }));
  const busy = (id: string) => id.startsWith("stripe.event-") || id.startsWith("email.send-");
  const interrupted = await waitUntil("worker 1 runs payments and emails", async () => [...runningJobs(worker1.output)].filter(busy), (ids) => ids.length >= 3, 60_000, 10);
  const stoppedAt = Date.now();
  const workerExit = await worker1.stop("SIGTERM");
  const workerStopMs = Date.now() - stoppedAt;
  const secondDeliveries = await delivering;
  await waitUntil("the second payments processed", () => processed(secondEvents.map((e) => e.id)), (n) => n === SECOND_PAYMENTS, 180_000, 500);
  await waitUntil("every confirmation sent", () => db.emailMessage.count({ where: { kind: "order_confirmed", status: "SENT" } }), (n) => n === FIRST_PAYMENTS + SECOND_PAYMENTS, 120_000, 500);
  // A job run twice (a stalled one picked up again) would show now.
  await sleep(2_000);

  const finishedByWorker1 = new Set(completedIds(worker1.output));
  const orders = [...first, ...second];
  const paid = await db.order.count({ where: { id: { in: orders.map((o) => o.orderId) }, status: "PAID" } });
  const confirmations = await db.emailMessage.groupBy({ by: ["to"], where: { kind: "order_confirmed" }, _count: true });
  const received = new Map<string, number>();
  for (const mail of stack.smtp.received) if (mail.messageId) received.set(mail.messageId, (received.get(mail.messageId) ?? 0) + 1);
  const workers = [worker1, worker2];
  const confirmationIds = await db.emailMessage.findMany({ where: { kind: "order_confirmed" }, select: { id: true } });
  const ours = new Set([...[...firstEvents, ...secondEvents].map((e) => `stripe.event-${e.id}`), ...confirmationIds.map((e) => `email.send-${e.id}`)]);
  const runs = runsPerJob(workers.map((w) => w.output), (id) => ours.has(id));
  const ranTwice = [...runs.values()].filter((n) => n > 1).length;
  const share = workers.map((w) => [...runsPerJob([w.output], (id) => ours.has(id)).values()].reduce((a, b) => a + b, 0));
  const deliveries = [...firstDeliveries, ...secondDeliveries];
  const expectedJobs = (FIRST_PAYMENTS + SECOND_PAYMENTS) * 2;
  const exits = `web A exited ${webExit}, worker 1 exited ${workerExit} after ${(workerStopMs / 1000).toFixed(1)} s`;
  const rows: ReportRow[] = [
    { what: "pages counting the crowd on both processes", eventsIn: RACE_WATCHERS, effectsOut: crowdSeen, lost: RACE_WATCHERS - crowdSeen, doubled: 0, note: `${onA.length} on A, ${onB.length} on B` },
    ...salesSeen.map((s): ReportRow => ({ what: `sale ${s.where}`, eventsIn: s.of, effectsOut: s.seen, lost: s.of - s.seen, doubled: 0, note: `all within ${s.ms} ms` })),
    { what: "room join on A, live on B", eventsIn: 1, effectsOut: joinLive ? 1 : 0, lost: joinLive ? 0 : 1, doubled: 0, note: `${joinMs} ms` },
    { what: "webhooks answered 2xx (split over A and B)", eventsIn: deliveries.length, effectsOut: deliveries.filter((d) => d.delivered).length, lost: deliveries.filter((d) => !d.delivered).length, doubled: 0 },
    { what: "orders paid", eventsIn: orders.length, effectsOut: paid, lost: orders.length - paid, doubled: 0 },
    { what: "payment and email jobs run", eventsIn: expectedJobs, effectsOut: runs.size, lost: expectedJobs - runs.size, doubled: ranTwice, note: `worker 1 ran ${share[0]}, worker 2 ran ${share[1]}` },
    {
      what: "confirmation emails",
      eventsIn: orders.length,
      effectsOut: received.size,
      lost: orders.length - received.size,
      doubled: confirmations.reduce((sum, c) => sum + c._count - 1, 0) + [...received.values()].reduce((sum, n) => sum + n - 1, 0),
    },
    { what: "pages on A back on B ≤ 5 s after its SIGTERM", eventsIn: movedFeeds.length, effectsOut: reconnectMs.filter((ms) => ms <= RECONNECT_WITHIN_MS).length, lost: reconnectMs.filter((ms) => ms > RECONNECT_WITHIN_MS).length, doubled: 0, note: `p50 ${percentile(reconnectMs, 50)} ms, max ${Math.max(...reconnectMs)} ms; room page kept both members: ${stillInRoom}` },
    { what: "pages counting the crowd once after A left", eventsIn: RACE_WATCHERS, effectsOut: crowdAfter, lost: RACE_WATCHERS - crowdAfter, doubled: 0, note: `${crowdAfterMs} ms after SIGTERM` },
    { what: "jobs worker 1 ran at its SIGTERM, finished by it", eventsIn: interrupted.length, effectsOut: interrupted.filter((id) => finishedByWorker1.has(id)).length, lost: interrupted.filter((id) => !finishedByWorker1.has(id)).length, doubled: interrupted.filter((id) => (runs.get(id) ?? 0) > 1).length },
    { what: "processes ended cleanly by SIGTERM", eventsIn: 2, effectsOut: [webExit, workerExit].filter((c) => c === 0).length, lost: [webExit, workerExit].filter((c) => c !== 0).length, doubled: 0, note: exits },
  ];
  printTable("Scenario 4: 2 web + 2 workers, then SIGTERM to one of each", rows, {
    "pages showing the places left after the first payments": `${pagesShowingPayments} of ${RACE_WATCHERS}`,
  });

  for (const row of rows) expect({ what: row.what, lost: row.lost, doubled: row.doubled }).toEqual({ what: row.what, lost: 0, doubled: 0 });
  expect(pagesShowingPayments).toBe(RACE_WATCHERS);
  expect(stillInRoom).toBe(true);
  expect(share.every((n) => n > 0)).toBe(true);
});
