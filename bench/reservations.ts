// Reservations under contention: 2,000 concurrent attempts at one ticket type with 100 places.
// Run: npm run bench:reservations   (needs PostgreSQL and Redis; uses its own database)
import { benchEnvironment, percentile } from "./support";

const ATTEMPTS = Number(process.env.ATTEMPTS ?? 2000);
const CAPACITY = Number(process.env.CAPACITY ?? 100);
// CLIENT_IPS=n spreads the attempts over n client addresses, as the web does (per-address hold cap on).
const CLIENT_IPS = Number(process.env.CLIENT_IPS ?? 0);

const env = await benchEnvironment("reservations");
const { db } = await import("~/utils/db.server");
const { reservePlaces } = await import("~/services/reservations.server");
const { redis } = await import("~/utils/redis.server");

try {
  const organisation = await db.organisation.create({ data: { name: "Bench", slug: "bench" } });
  const race = await db.race.create({
    data: { organisationId: organisation.id, name: "Bench race", slug: "bench-race", status: "PUBLISHED", startsAt: new Date(Date.now() + 86_400_000), timeZone: "UTC", location: "Here" },
  });
  const type = await db.ticketType.create({ data: { raceId: race.id, name: "10K", priceMinor: 3000, capacity: CAPACITY } });
  await db.user.createMany({ data: Array.from({ length: ATTEMPTS }, (_, i) => ({ id: `bench-user-${i}`, email: `bench-${i}@example.com`, name: `Bench ${i}`, passwordHash: "x" })) });

  const latencies: number[] = [];
  let won = 0;
  const refusals = new Map<string, number>();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: ATTEMPTS }, async (_, i) => {
      const t0 = performance.now();
      try {
        const clientIp = CLIENT_IPS ? `10.0.${Math.floor((i % CLIENT_IPS) / 256)}.${(i % CLIENT_IPS) % 256}` : null;
        await reservePlaces({ raceId: race.id, buyer: { id: `bench-user-${i}`, email: `bench-${i}@example.com`, name: `Bench ${i}` }, lines: [{ ticketTypeId: type.id, quantity: 1 }], clientIp });
        won += 1;
      } catch (error) {
        const reason = error instanceof Error ? error.message.split("\n")[0]!.slice(0, 80) : String(error);
        refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
      } finally {
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const final = await db.ticketType.findUniqueOrThrow({ where: { id: type.id } });
  console.log("refusals:", Object.fromEntries(refusals));
  console.log(`attempts=${ATTEMPTS} capacity=${CAPACITY} clientIps=${CLIENT_IPS || "none"} held=${won} heldCount=${final.heldCount} oversold=${final.heldCount > CAPACITY}`);
  console.log(`| attempts | capacity | wall time | attempts/s | p50 | p99 |`);
  console.log(`| ${ATTEMPTS} | ${CAPACITY} | ${seconds.toFixed(2)} s | ${(ATTEMPTS / seconds).toFixed(0)} | ${percentile(latencies, 50).toFixed(0)} ms | ${percentile(latencies, 99).toFixed(0)} ms |`);
} finally {
  await db.$disconnect();
  redis.disconnect();
  await env.drop();
}
