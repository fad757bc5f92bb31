// Race-page live feed under a crowd, against a bare node:http SSE server in the same run.
// For each level (default 1,000 / 5,000 / 10,000 connections): time to connect everyone (each holding its
// first snapshot), web RSS per connection, idle CPU with everyone connected, and publish → p99 of clients.
// Run: npm run build && npm run bench -- sse      (SSE_LEVELS=1000,5000 IDLE_SECONDS=10 ROUNDS=5)
import { startWeb, testEnv } from "../tests/support/processes";
import { broadcastRounds, idleCpuShare, openClients, rssBytes, startBareSseServer } from "./sse-clients";
import { benchEnvironment, percentile, reportRow } from "./support";

const LEVELS = (process.env.SSE_LEVELS ?? "1000,5000,10000").split(",").map(Number);
const IDLE_MS = Number(process.env.IDLE_SECONDS ?? 10) * 1000;
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const WARM_UP = 50;

/** A change every open page must show: `prepare` is not timed, `fire` is the moment it happens. */
type Change = { marker: string; fire: () => Promise<unknown> };
type Target = { name: string; pid: number; url: string; change: (round: number) => Promise<Change>; stop: () => Promise<unknown> };
type Measured = { connectSeconds: number; rssPerConnection: number; idleCpu: number; p50: number; p99: number; max: number; missed: number };

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(target: Target, count: number): Promise<Measured> {
  const markers: string[] = [];
  (await openClients(target.url, WARM_UP, () => markers)).forEach((c) => c.close());
  await settle(1_500);
  const rssBefore = rssBytes(target.pid);
  const t0 = performance.now();
  const clients = await openClients(target.url, count, () => markers);
  const connectSeconds = (performance.now() - t0) / 1000;
  await settle(3_000);
  const rssPerConnection = (rssBytes(target.pid) - rssBefore) / count;
  const idleCpu = await idleCpuShare(target.pid, IDLE_MS);
  const { delays, missed } = await broadcastRounds(clients, markers, ROUNDS, async (round) => target.change(round));
  return { connectSeconds, rssPerConnection, idleCpu, p50: percentile(delays, 50), p99: percentile(delays, 99), max: delays.at(-1) ?? 0, missed };
}

async function bareServer(): Promise<Target> {
  const bare = await startBareSseServer();
  return { name: "bare node:http", pid: bare.pid, url: bare.url, change: async (round) => bare.change(round), stop: bare.stop };
}

const env = await benchEnvironment("sse");
const { db } = await import("~/utils/db.server");
const { publish } = await import("~/realtime/pubsub.server");
const { channels } = await import("~/realtime/channels");
const { closeRedis } = await import("~/utils/redis.server");

async function startline(): Promise<Target> {
  const suffix = Date.now().toString(36);
  const organisation = await db.organisation.create({ data: { name: "Bench", slug: `bench-${suffix}` } });
  const race = await db.race.create({
    data: { organisationId: organisation.id, name: "Bench race", slug: `bench-race-${suffix}`, status: "PUBLISHED", startsAt: new Date(Date.now() + 86_400_000), timeZone: "UTC", location: "Here" },
  });
  const type = await db.ticketType.create({ data: { raceId: race.id, name: "10K", priceMinor: 3000, capacity: 1000 } });
  const web = await startWeb(testEnv({ LOG_LEVEL: "info", DEMO_MODE: "true" }));
  return {
    name: "Startline",
    pid: web.child.pid!,
    url: `${web.url}/races/${race.slug}/live`,
    change: async (round) => {
      // An organiser raised the capacity: every open page must show the new number of places left.
      const capacity = 1000 + round * 7;
      await db.ticketType.update({ where: { id: type.id }, data: { capacity } });
      return { marker: `"${type.id}":${capacity}}`, fire: () => publish(channels.raceActivity(race.id), { type: "sales", at: new Date().toISOString() }) };
    },
    stop: () => web.stop(),
  };
}

try {
  for (const count of LEVELS) {
    const results: Measured[] = [];
    for (const make of [bareServer, startline]) {
      const target = await make();
      const result = await measure(target, count);
      await target.stop();
      console.error(`[sse] ${target.name} at ${count}: ${JSON.stringify(result)}`);
      results.push(result);
    }
    const [bare, ours] = results as [Measured, Measured];
    reportRow({ measure: `SSE ${count}: connect all, s`, ours: ours.connectSeconds, reference: bare.connectSeconds });
    reportRow({ measure: `SSE ${count}: web RSS per connection, KB`, ours: ours.rssPerConnection / 1024, reference: bare.rssPerConnection / 1024, maxRatio: 1.5 });
    reportRow({ measure: `SSE ${count}: publish → p99 of clients, ms`, ours: ours.p99, reference: bare.p99, maxRatio: 1.5, note: `p50 ${ours.p50.toFixed(0)}, max ${ours.max.toFixed(0)}; missed ${ours.missed}` });
    if (ours.missed > 0) reportRow({ measure: `SSE ${count}: clients that missed a change`, ours: ours.missed, reference: bare.missed, goal: "0", pass: ours.missed === 0 });
    reportRow({ measure: `SSE ${count}: idle CPU, % of a core`, ours: ours.idleCpu * 100, reference: bare.idleCpu * 100, ...(count >= 10_000 ? { goal: "≤ 5%", pass: ours.idleCpu <= 0.05 } : {}) });
  }
} finally {
  await db.$disconnect();
  await closeRedis();
  await env.drop();
}
