// The virtual queue under a crowd (issue 10, ADR 0050): joins per second through the join service, then
// QUEUE_CLIENTS waiting pages on one web process's queue feed; each round the organiser admits the next person
// and every page must hold the frame that moves its position (p50/p99/max from the admission to each client).
// In the same run, a bare node:http SSE server (bench/reference/sse-server.mjs) holds as many clients and
// broadcasts one frame per round: the reference column and the ratios.
// Run: npm run build && npm run bench -- queue      (QUEUE_CLIENTS=10000 QUEUE_JOINS=2000 ROUNDS=5)
import { startWeb, testEnv } from "../tests/support/processes";
import { broadcastRounds, openClients, rssBytes, startBareSseServer } from "./sse-clients";
import { benchEnvironment, percentile, reportRow } from "./support";

const CLIENTS = Number(process.env.QUEUE_CLIENTS ?? 10_000);
const JOINS = Number(process.env.QUEUE_JOINS ?? 2_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const JOIN_CONCURRENCY = 50;

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Broadcast = { connectSeconds: number; rssPerClient: number; p50: number; p99: number; max: number; missed: number };

/**
 * CLIENTS streams on `url` (process `pid`), then ROUNDS changes: `fire(round)` makes one and every client must
 * see `marker(round)`; the delay is from just before `fire` to each client's first byte holding the marker.
 */
async function broadcast(name: string, pid: number, url: string, marker: (round: number) => string, fire: (round: number) => Promise<unknown>): Promise<Broadcast> {
  const markers: string[] = [];
  (await openClients(url, 50, () => markers)).forEach((c) => c.close());
  await settle(1_500);
  const rssBefore = rssBytes(pid);
  const connectStart = performance.now();
  const clients = await openClients(url, CLIENTS, () => markers);
  const connectSeconds = (performance.now() - connectStart) / 1000;
  await settle(3_000);
  const rssPerClient = (rssBytes(pid) - rssBefore) / CLIENTS;
  console.error(`[queue] ${name}: ${CLIENTS} clients connected in ${connectSeconds.toFixed(1)} s; RSS per client ${(rssPerClient / 1024).toFixed(1)} KB`);
  const { delays, missed } = await broadcastRounds(clients, markers, ROUNDS, async (round) => ({ marker: marker(round), fire: () => fire(round) }), 30_000);
  const result = { connectSeconds, rssPerClient, p50: percentile(delays, 50), p99: percentile(delays, 99), max: delays.at(-1) ?? 0, missed };
  console.error(`[queue] ${name}: change → client p50 ${result.p50.toFixed(0)} ms, p99 ${result.p99.toFixed(0)} ms, max ${result.max.toFixed(0)} ms, missed ${missed}`);
  return result;
}

const env = await benchEnvironment("queue");
const { db } = await import("~/utils/db.server");
const { closeRedis } = await import("~/utils/redis.server");
const { admitNext, joinQueue, saveQueueSettings } = await import("~/services/queue.server");

try {
  const suffix = Date.now().toString(36);
  const organisation = await db.organisation.create({ data: { name: "Bench", slug: `bench-${suffix}` } });
  const organiser = await db.user.create({ data: { email: `organiser-${suffix}@example.com`, name: "Organiser", passwordHash: "x" } });
  const race = await db.race.create({
    data: { organisationId: organisation.id, name: "Bench race", slug: `bench-queue-${suffix}`, status: "PUBLISHED", startsAt: new Date(Date.now() + 86_400_000), timeZone: "UTC", location: "Here" },
  });
  await db.ticketType.create({ data: { raceId: race.id, name: "10K", priceMinor: 3000, capacity: 100_000 } });
  const opensAt = new Date(Date.now() - 60_000);
  await saveQueueSettings({ raceId: race.id, actorId: organiser.id, settings: { enabled: true, opensAt, preQueueMinutes: 30, admitPerMinute: null, passMinutes: 15, checkoutCap: 100_000 } });

  await db.user.createMany({ data: Array.from({ length: JOINS }, (_, i) => ({ email: `buyer-${suffix}-${i}@example.com`, name: `Buyer ${i}`, passwordHash: "x" })) });
  const users = await db.user.findMany({ where: { email: { startsWith: `buyer-${suffix}-` } }, select: { id: true } });
  let next = 0;
  const joinStart = performance.now();
  await Promise.all(
    Array.from({ length: JOIN_CONCURRENCY }, async () => {
      while (next < users.length) {
        const user = users[next++]!;
        await joinQueue({ raceId: race.id, userId: user.id });
      }
    }),
  );
  const joinsPerSecond = users.length / ((performance.now() - joinStart) / 1000);
  console.error(`[queue] ${users.length} joins at ${joinsPerSecond.toFixed(0)}/s (${JOIN_CONCURRENCY} at a time, through joinQueue)`);

  const web = await startWeb(testEnv({ DEMO_MODE: "true" }));
  const ours = await broadcast("Startline", web.child.pid!, `${web.url}/races/${race.slug}/queue/live`, (round) => `"servingUpTo":${round},`, () =>
    admitNext({ raceId: race.id, actorId: organiser.id, count: 1 }),
  );
  await web.stop();
  const bare = await startBareSseServer();
  const reference = await broadcast("bare node:http", bare.pid, bare.url, (round) => bare.change(round).marker, (round) => bare.change(round).fire());
  await bare.stop();

  reportRow({
    measure: `Queue ${CLIENTS}: admission → every client, p99 ms`,
    ours: ours.p99,
    reference: reference.p99,
    goal: "≤ 1000 ms",
    pass: ours.p99 <= 1000 && ours.missed === 0,
    note: `p50 ${ours.p50.toFixed(0)} (ref ${reference.p50.toFixed(0)}), max ${ours.max.toFixed(0)} (ref ${reference.max.toFixed(0)}); missed ${ours.missed}; ${ROUNDS} rounds`,
  });
  reportRow({ measure: `Queue ${CLIENTS}: web RSS per waiting client, KB`, ours: ours.rssPerClient / 1024, reference: reference.rssPerClient / 1024, maxRatio: 1.5 });
  reportRow({ measure: `Queue ${CLIENTS}: connect all, s`, ours: ours.connectSeconds, reference: reference.connectSeconds });
  reportRow({ measure: `Queue: joins per second (${users.length} joins, ${JOIN_CONCURRENCY} at a time)`, ours: joinsPerSecond, reference: 0, note: "service-level joinQueue, one process" });
} finally {
  await db.$disconnect();
  await closeRedis();
  await env.drop();
}
