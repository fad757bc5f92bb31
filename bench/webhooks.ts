// Webhook route latency and end-to-end webhook → issued tickets latency at a steady rate, through the
// built web process and a separate worker (demo payment mode, real signature verification, inbox, queue).
// Run: npm run build && npm run bench:webhooks   (RATE events/s for SECONDS; defaults 20/s for 15 s)
import Stripe from "stripe";
import { startWeb, startWorker, testEnv } from "../tests/support/processes";
import { benchEnvironment, percentile } from "./support";

const RATE = Number(process.env.RATE ?? 20);
const SECONDS = Number(process.env.SECONDS ?? 15);
const SECRET = "whsec_bench_webhooks";
const total = RATE * SECONDS;

const env = await benchEnvironment("webhooks");
const { db } = await import("~/utils/db.server");
const { reservePlaces } = await import("~/services/reservations.server");
const { closeQueues } = await import("~/jobs/queues.server");
const { redis } = await import("~/utils/redis.server");
const processEnv = testEnv({ STRIPE_WEBHOOK_SECRET: SECRET, DEMO_MODE: "true", LOG_LEVEL: "warn", DATABASE_URL: process.env.DATABASE_URL, REDIS_PREFIX: process.env.REDIS_PREFIX });
const [web, worker] = await Promise.all([startWeb({ ...processEnv, LOG_LEVEL: "info" }), startWorker({ ...processEnv, LOG_LEVEL: "info", WORKER_CONCURRENCY: "10" })]);

try {
  const organisation = await db.organisation.create({ data: { name: "Bench", slug: "bench" } });
  const race = await db.race.create({
    data: { organisationId: organisation.id, name: "Bench race", slug: "bench-race", status: "PUBLISHED", startsAt: new Date(Date.now() + 86_400_000), timeZone: "UTC", location: "Here" },
  });
  const type = await db.ticketType.create({ data: { raceId: race.id, name: "10K", priceMinor: 3000, capacity: total + 10, bibRangeStart: 1, bibRangeEnd: total + 10 } });
  await db.user.createMany({ data: Array.from({ length: total }, (_, i) => ({ id: `bench-buyer-${i}`, email: `buyer-${i}@example.com`, name: `Buyer ${i}`, passwordHash: "x" })) });
  const orders: string[] = [];
  for (let i = 0; i < total; i++) {
    const order = await reservePlaces({ raceId: race.id, buyer: { id: `bench-buyer-${i}`, email: `buyer-${i}@example.com`, name: `Buyer ${i}` }, lines: [{ ticketTypeId: type.id, quantity: 1 }] });
    // As pressing Pay does: fulfilment honours only the order's own session.
    await db.order.update({ where: { id: order.id }, data: { stripeSessionId: `cs_bench_${i}` } });
    orders.push(order.id);
  }

  const routeLatencies: number[] = [];
  const sentAt = new Map<string, number>();
  const started = performance.now();
  await Promise.all(
    orders.map(async (orderId, i) => {
      await new Promise((r) => setTimeout(r, (i / RATE) * 1000));
      const payload = JSON.stringify({
        id: `evt_bench_${i}`,
        object: "event",
        api_version: Stripe.API_VERSION,
        created: Math.floor(Date.now() / 1000),
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type: "checkout.session.completed",
        data: { object: { id: `cs_bench_${i}`, object: "checkout.session", payment_status: "paid", status: "complete", amount_total: 3000, currency: "eur", metadata: { orderId }, client_reference_id: orderId, payment_intent: null, total_details: { amount_tax: 0 } } },
      });
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
      const t0 = performance.now();
      sentAt.set(orderId, Date.now());
      const response = await fetch(`${web.url}/webhooks/stripe`, { method: "POST", body: payload, headers: { "Content-Type": "application/json", "Stripe-Signature": signature } });
      routeLatencies.push(performance.now() - t0);
      if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
    }),
  );
  const sendSeconds = (performance.now() - started) / 1000;

  const deadline = Date.now() + 120_000;
  let paid: { id: string; paidAt: Date | null }[] = [];
  while (Date.now() < deadline) {
    paid = await db.order.findMany({ where: { id: { in: orders }, status: "PAID" }, select: { id: true, paidAt: true } });
    if (paid.length === orders.length) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const endToEnd = paid.map((o) => o.paidAt!.getTime() - sentAt.get(o.id)!).sort((a, b) => a - b);
  routeLatencies.sort((a, b) => a - b);
  const issued = await db.ticket.count({ where: { orderId: { in: orders }, status: "ISSUED" } });
  console.log(`events=${total} rate=${RATE}/s sent in ${sendSeconds.toFixed(1)} s; paid orders=${paid.length}; issued tickets=${issued}`);
  console.log("| rate | events | webhook route p50 | p99 | webhook → tickets issued p50 | p99 |");
  console.log(
    `| ${RATE}/s | ${total} | ${percentile(routeLatencies, 50).toFixed(1)} ms | ${percentile(routeLatencies, 99).toFixed(1)} ms | ${percentile(endToEnd, 50)} ms | ${percentile(endToEnd, 99)} ms |`,
  );
} finally {
  await Promise.all([web.stop(), worker.stop()]);
  await closeQueues();
  await db.$disconnect();
  redis.disconnect();
  await env.drop();
}
