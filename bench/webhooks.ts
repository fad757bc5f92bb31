// Paid Stripe webhooks through the built web process and a separate worker (demo payment mode, real signature
// verification, inbox, queue, fulfilment), against BullMQ no-op jobs in the same run:
//  - the webhook route's p99 at ROUTE_RATE events/s (goal ≤ 50 ms),
//  - webhook → tickets issued p99 at E2E_RATE events/s (goal ≤ 1 s),
//  - fulfilment throughput: a burst of BURST paid events, orders paid per second (goal ≥ 500/s, 2.5% of no-op jobs/s).
// Run: npm run build && npm run bench -- webhooks
//   (ROUTE_RATE=200 E2E_RATE=100 SECONDS=10 BURST=1000 WORKER_CONCURRENCY=10 DATABASE_POOL_SIZE=10; the issue's
//    full size is SECONDS=60; STRIPE_QUEUE_CONCURRENCY and EMAIL_SENDS_PER_SECOND are the app's defaults unless set)
import { Agent, request } from "node:http";
import { Queue, Worker } from "bullmq";
import Stripe from "stripe";
import { startWeb, startWorker, testEnv } from "../tests/support/processes";
import { benchEnvironment, measureCpu, percentile, reportRow, sampleActivity } from "./support";

const ROUTE_RATE = Number(process.env.ROUTE_RATE ?? 200);
const E2E_RATE = Number(process.env.E2E_RATE ?? 100);
const SECONDS = Number(process.env.SECONDS ?? 10);
const BURST = Number(process.env.BURST ?? 1000);
const WARMUP = Number(process.env.WARMUP ?? 0);
const CONCURRENCY = process.env.WORKER_CONCURRENCY ?? "10";
const POOL = process.env.DATABASE_POOL_SIZE ?? "10";
const SECRET = "whsec_bench_webhooks";

const env = await benchEnvironment("webhooks");
const { db, sql } = await import("~/utils/db.server");
const { reservePlaces } = await import("~/services/reservations.server");
const { closeQueues } = await import("~/jobs/queues.server");
const { closeRedis, createRedisConnection } = await import("~/utils/redis.server");
const processEnv = testEnv({
  STRIPE_WEBHOOK_SECRET: SECRET,
  DEMO_MODE: "true",
  // The processes say they are ready at info level.
  LOG_LEVEL: "info",
  DATABASE_URL: process.env.DATABASE_URL,
  REDIS_PREFIX: process.env.REDIS_PREFIX,
  DATABASE_POOL_SIZE: POOL,
  // BENCH_PROCESS_PROFILE=<dir>: the web and worker processes write CPU profiles there when they stop.
  CPU_PROFILE_DIR: process.env.BENCH_PROCESS_PROFILE,
  // Unset: the default (50 a second); a rush's confirmations wait their turn behind the payments (ADR 0115).
  EMAIL_SENDS_PER_SECOND: process.env.EMAIL_SENDS_PER_SECOND,
  STRIPE_QUEUE_CONCURRENCY: process.env.STRIPE_QUEUE_CONCURRENCY,
});
const started = await Promise.allSettled([startWeb(processEnv), startWorker({ ...processEnv, WORKER_CONCURRENCY: CONCURRENCY })]);
const [web, worker] = started.map((s) => (s.status === "fulfilled" ? s.value : null)) as [Awaited<ReturnType<typeof startWeb>>, Awaited<ReturnType<typeof startWorker>>];

type Sent = { orderId: string; sentAt: number; routeMs: number };

/** Pending orders, each with the Checkout Session a paid event will name (as pressing Pay sets it). */
async function pendingOrders(raceId: string, typeId: string, count: number, offset: number) {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, count - start) }, (_, j) => {
        const i = offset + start + j;
        return reservePlaces({ raceId, buyer: { id: `bench-buyer-${i}`, email: `buyer-${i}@example.com`, name: `Buyer ${i}` }, lines: [{ ticketTypeId: typeId, quantity: 1 }] });
      }),
    );
    ids.push(...batch.map((order) => order.id));
  }
  await db.$executeRaw`UPDATE "Order" SET "stripeSessionId" = 'cs_' || id WHERE id = ANY(${ids}::text[])`;
  return ids;
}

async function sendPaid(orderId: string, n: number): Promise<Sent> {
  const payload = JSON.stringify({
    id: `evt_bench_${n}`,
    object: "event",
    api_version: Stripe.API_VERSION,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: "checkout.session.completed",
    data: { object: { id: `cs_${orderId}`, object: "checkout.session", payment_status: "paid", status: "complete", amount_total: 3000, currency: "eur", metadata: { orderId }, client_reference_id: orderId, payment_intent: null, total_details: { amount_tax: 0 } } },
  });
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
  const sentAt = Date.now();
  const t0 = performance.now();
  const headers = { "Content-Type": "application/json", "Stripe-Signature": signature };
  // A kept-alive socket the server closes (idle for its 5 s keep-alive timeout) just as a request goes out on it ends
  // in ECONNRESET before the server read anything: sent again, as Stripe would.
  const status = await post(`${web.url}/webhooks/stripe`, payload, headers).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ECONNRESET") throw error;
    return post(`${web.url}/webhooks/stripe`, payload, headers);
  });
  const routeMs = performance.now() - t0;
  if (status !== 200) throw new Error(`webhook answered ${status}`);
  return { orderId, sentAt, routeMs };
}

// The load generator shares the machine with what it measures: node:http on kept-alive connections costs it about
// half the CPU per request of fetch, which leaves that much more to the web and the worker.
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** POSTs `body` and resolves with the status once the whole answer has been read. */
function post(url: string, body: string, headers: Record<string, string>) {
  return new Promise<number>((resolve, reject) => {
    const req = request(url, { method: "POST", agent, headers: { ...headers, "Content-Length": Buffer.byteLength(body) } }, (res) => {
      res.on("data", () => undefined);
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The route's p99 for the events sent in each second of a run: shows whether slow answers cluster (start-up, a stall). */
function perSecondP99(sent: Sent[]) {
  const start = Math.min(...sent.map((s) => s.sentAt));
  const seconds = new Map<number, number[]>();
  for (const s of sent) {
    const second = Math.floor((s.sentAt - start) / 1000);
    const times = seconds.get(second) ?? [];
    times.push(s.routeMs);
    seconds.set(second, times);
  }
  return [...seconds.keys()].sort((a, b) => a - b).map((second) => Math.round(percentile(seconds.get(second)!.sort((a, b) => a - b), 99)));
}

/** Sends one paid event per order at `rate` per second (open loop: a slow answer does not delay the next event). */
async function atRate(orders: string[], rate: number, first: number) {
  return Promise.all(orders.map(async (orderId, i) => {
    await new Promise((r) => setTimeout(r, (i / rate) * 1000));
    return sendPaid(orderId, first + i);
  }));
}

/**
 * Waits until every order is PAID and returns each order's paidAt (ms). Counts with one plain SQL statement per poll
 * and reads the times once: this process also sends the events, and a heavy poll here would delay reading the web's
 * and worker's log pipes, which blocks them (writes to a pipe are synchronous on Linux).
 */
async function paidTimes(orders: string[], timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [counted] = await sql<{ paid: number }>(`SELECT count(*)::int AS paid FROM "Order" WHERE id = ANY($1::text[]) AND status = 'PAID'`, [orders]);
    const paid = counted?.paid ?? 0;
    if (paid === orders.length) {
      const rows = await sql<{ id: string; paidAt: Date }>(`SELECT id, "paidAt" FROM "Order" WHERE id = ANY($1::text[])`, [orders]);
      return new Map(rows.map((o) => [o.id, new Date(o.paidAt).getTime()]));
    }
    if (Date.now() > deadline) throw new Error(`only ${paid} of ${orders.length} orders paid after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The reference: BullMQ no-op jobs through one Queue and one Worker of the same concurrency on this machine. */
async function bullNoop(jobs: number, rate: number) {
  const connection = createRedisConnection("bench-noop");
  const prefix = `${process.env.REDIS_PREFIX}:noop`;
  const queue = new Queue("noop", { connection, prefix });
  const done = new Map<string, number>();
  // BullMQ closes only the connections it made itself: the ones passed in are closed below (the open handle
  // that kept the old webhooks bench from exiting was such a connection).
  const workerConnection = createRedisConnection("bench-noop-worker");
  const worker = new Worker("noop", async () => undefined, { connection: workerConnection, prefix, concurrency: Number(CONCURRENCY) });
  worker.on("completed", (job) => done.set(job.id!, Date.now()));
  await worker.waitUntilReady();
  const finished = (n: number) => new Promise<void>((resolve) => { const poll = () => (done.size >= n ? resolve() : setTimeout(poll, 5)); poll(); });
  try {
    // Throughput: a burst added at once.
    const started = Date.now();
    await queue.addBulk(Array.from({ length: jobs }, (_, i) => ({ name: "noop", data: { i }, opts: { jobId: `burst-${i}`, removeOnComplete: true } })));
    await finished(jobs);
    const perSecond = jobs / ((Date.now() - started) / 1000);
    // Latency at a steady rate: add → completed, and the add itself.
    done.clear();
    const count = Math.min(jobs, rate * 5);
    const added = await Promise.all(Array.from({ length: count }, async (_, i) => {
      await new Promise((r) => setTimeout(r, (i / rate) * 1000));
      const t0 = Date.now();
      const p0 = performance.now();
      await queue.add("noop", { i }, { jobId: `steady-${i}`, removeOnComplete: true });
      return { id: `steady-${i}`, t0, addMs: performance.now() - p0 };
    }));
    await finished(count);
    const endToEnd = added.map((a) => done.get(a.id)! - a.t0).sort((a, b) => a - b);
    const adds = added.map((a) => a.addMs).sort((a, b) => a - b);
    return { perSecond, addP99: percentile(adds, 99), endToEndP99: percentile(endToEnd, 99) };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await Promise.all([closeRedis(connection), closeRedis(workerConnection)]);
  }
}

try {
  for (const s of started) if (s.status === "rejected") throw s.reason;
  const organisation = await db.organisation.create({ data: { name: "Bench", slug: "bench" } });
  const race = await db.race.create({
    data: { organisationId: organisation.id, name: "Bench race", slug: "bench-race", status: "PUBLISHED", startsAt: new Date(Date.now() + 86_400_000), timeZone: "UTC", location: "Here" },
  });
  const routeCount = ROUTE_RATE * SECONDS;
  const e2eCount = E2E_RATE * SECONDS;
  const total = routeCount + e2eCount + BURST + WARMUP;
  const type = await db.ticketType.create({ data: { raceId: race.id, name: "10K", priceMinor: 3000, capacity: total, bibRangeStart: 1, bibRangeEnd: total } });
  await db.user.createMany({ data: Array.from({ length: total }, (_, i) => ({ id: `bench-buyer-${i}`, email: `buyer-${i}@example.com`, name: `Buyer ${i}`, passwordHash: "x" })) });
  const [routeOrders, e2eOrders, burstOrders] = [
    await pendingOrders(race.id, type.id, routeCount, 0),
    await pendingOrders(race.id, type.id, e2eCount, routeCount),
    await pendingOrders(race.id, type.id, BURST, routeCount + e2eCount),
  ];
  const warmupOrders = await pendingOrders(race.id, type.id, WARMUP, routeCount + e2eCount + BURST);
  const reference = await bullNoop(Math.max(BURST, 2000), ROUTE_RATE);

  if (WARMUP) {
    await atRate(warmupOrders, 20, routeCount + e2eCount + BURST);
    await paidTimes(warmupOrders);
  }

  // 1. The route at ROUTE_RATE/s.
  const routeSent = await atRate(routeOrders, ROUTE_RATE, 0);
  await paidTimes(routeOrders);
  const routeMs = routeSent.map((s) => s.routeMs).sort((a, b) => a - b);
  console.error(`[webhooks] route at ${ROUTE_RATE}/s for ${SECONDS} s: p50 ${percentile(routeMs, 50).toFixed(1)} ms, p99 ${percentile(routeMs, 99).toFixed(1)} ms`);
  console.error(`[webhooks] route p99 ms per second sent: ${JSON.stringify(perSecondP99(routeSent))}`);
  const serverSide = (await (await fetch(`${web.url}/metrics`)).text()).split("\n").filter((line) => line.startsWith("startline_webhook_stage_duration_seconds_bucket"));
  console.error(`[webhooks] the web process's own timing of the route (histogram buckets):\n${serverSide.join("\n")}`);
  reportRow({ measure: `webhook route p99 ms at ${ROUTE_RATE} events/s for ${SECONDS} s`, ours: percentile(routeMs, 99), reference: reference.addP99, goal: "≤ 50 ms", pass: percentile(routeMs, 99) <= 50, note: "reference: BullMQ add p99" });

  // 2. Webhook → tickets issued at E2E_RATE/s.
  const e2eSent = await atRate(e2eOrders, E2E_RATE, routeCount);
  const paidAt = await paidTimes(e2eOrders);
  const endToEnd = e2eSent.map((s) => paidAt.get(s.orderId)! - s.sentAt).sort((a, b) => a - b);
  console.error(`[webhooks] webhook → tickets at ${E2E_RATE}/s for ${SECONDS} s: p50 ${percentile(endToEnd, 50)} ms, p99 ${percentile(endToEnd, 99)} ms`);
  reportRow({ measure: `webhook → tickets issued p99 ms at ${E2E_RATE} events/s for ${SECONDS} s`, ours: percentile(endToEnd, 99), reference: reference.endToEndP99, goal: "≤ 1,000 ms", pass: percentile(endToEnd, 99) <= 1000, note: "reference: BullMQ no-op add → completed p99" });

  // 3. Fulfilment throughput: a burst, as fast as the route takes it (50 senders).
  const burstStarted = Date.now();
  let next = 0;
  const { result: { result: burstPaid, activity }, cpuMs, systemMs } = await measureCpu({ web: web.child.pid, worker: worker.child.pid }, () =>
    sampleActivity(process.env.DATABASE_URL!, async () => {
      await Promise.all(Array.from({ length: 50 }, async () => {
        while (next < burstOrders.length) {
          const i = next++;
          await sendPaid(burstOrders[i]!, routeCount + e2eCount + i);
        }
      }));
      return paidTimes(burstOrders);
    }),
  );
  console.error(`[webhooks] burst: backends by state (mean of samples) ${JSON.stringify(activity)}`);
  const perOrder = Object.entries(cpuMs).map(([name, ms]) => `${name} ${(ms / BURST).toFixed(2)} (kernel ${Math.round((100 * systemMs[name]!) / Math.max(ms, 1))}%)`);
  console.error(`[webhooks] burst: CPU ms per paid order: ${perOrder.join(", ")}; all ${(Object.values(cpuMs).reduce((a, b) => a + b, 0) / BURST).toFixed(2)}`);
  const ordersPerSecond = BURST / ((Math.max(...burstPaid.values()) - burstStarted) / 1000);
  const [emails] = await sql<{ sent: number; all: number }>(`SELECT count(*) FILTER (WHERE status = 'SENT')::int AS sent, count(*)::int AS all FROM "EmailMessage" WHERE kind = 'order_confirmed'`, []);
  console.error(`[webhooks] confirmation emails sent by the end of the burst: ${emails?.sent} of ${emails?.all} (EMAIL_SENDS_PER_SECOND ${process.env.EMAIL_SENDS_PER_SECOND ?? "50, the default"})`);
  console.error(`[webhooks] burst of ${BURST}: ${ordersPerSecond.toFixed(0)} orders/s; BullMQ no-op ${reference.perSecond.toFixed(0)} jobs/s`);
  // The goal is 500 orders/s, which it put at 2.5% of raw BullMQ when no-op jobs ran at ~20,000/s; no-op runs
  // here vary (2,700–3,600/s), so the verdict is on the absolute figure and the ratio is shown beside it.
  reportRow({ measure: `fulfilment: orders paid per second (burst of ${BURST})`, ours: ordersPerSecond, reference: reference.perSecond, goal: "≥ 500/s", pass: ordersPerSecond >= 500, note: `worker concurrency ${CONCURRENCY} (stripe queue ${process.env.STRIPE_QUEUE_CONCURRENCY ?? "50, the default"}), pool ${POOL}` });

  const issued = await db.ticket.count({ where: { raceId: race.id, status: "ISSUED" } });
  reportRow({ measure: "webhooks: tickets issued (exactly one per paid order)", ours: issued, reference: total, goal: `= ${total}`, pass: issued === total });
} finally {
  agent.destroy();
  await Promise.all([web?.stop(), worker?.stop()]);
  await closeQueues();
  await db.$disconnect();
  await closeRedis();
  await env.drop();
  // Anything still open would keep this process (and `npm run bench`) from ending: say what it is.
  const open = process.getActiveResourcesInfo().filter((kind) => kind !== "TTYWrap" && kind !== "Timeout");
  if (open.length) console.error(`[webhooks] still open at exit: ${open.join(", ")}`);
}
