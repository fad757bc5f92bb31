// Reservations in an opening rush: 2,000 concurrent attempts at one ticket type, with 100 places (most
// must be refused) and with 2,000 places (everyone must win), against a raw guarded UPDATE on one row
// with the same pool size, in the same run. Then 2,000 more attempts at the sold-out type: how many reach
// Postgres. Every buyer comes from an address of their own, as through the race page. Run: npm run bench -- reservations
// (ATTEMPTS=2000 DATABASE_POOL_SIZE=10)
import pg from "pg";
import { benchEnvironment, measureCpu, percentile, profiled, reportRow, sampleActivity } from "./support";

const ATTEMPTS = Number(process.env.ATTEMPTS ?? 2000);
const env = await benchEnvironment("reservations");
const { db, sqlPools } = await import("~/utils/db.server");
const { getEnv } = await import("~/utils/env.server");
const { reservePlaces } = await import("~/services/reservations.server");
const { closeRedis } = await import("~/utils/redis.server");
const { metrics, observedSoFar } = await import("~/utils/metrics.server");
const poolSize = getEnv().DATABASE_POOL_SIZE;
const raw = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: poolSize });

type Run = { perSecond: number; p99: number; won: number; refusals: Map<string, number> };

async function rush(attempt: (i: number) => Promise<boolean>): Promise<Run> {
  const latencies: number[] = [];
  const refusals = new Map<string, number>();
  let won = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: ATTEMPTS }, async (_, i) => {
      const t0 = performance.now();
      try {
        if (await attempt(i)) won += 1;
        else refusals.set("no place", (refusals.get("no place") ?? 0) + 1);
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
  return { perSecond: ATTEMPTS / seconds, p99: percentile(latencies, 99), won, refusals };
}

async function ticketType(capacity: number) {
  const suffix = `${capacity}-${Math.random().toString(36).slice(2, 8)}`;
  const organisation = await db.organisation.create({ data: { name: "Bench", slug: `bench-${suffix}` } });
  const race = await db.race.create({
    data: { organisationId: organisation.id, name: "Bench race", slug: `bench-race-${suffix}`, status: "PUBLISHED", startsAt: new Date(Date.now() + 86_400_000), timeZone: "UTC", location: "Here" },
  });
  const type = await db.ticketType.create({ data: { raceId: race.id, name: "10K", priceMinor: 3000, capacity } });
  return { raceId: race.id, typeId: type.id };
}

const buyer = (i: number) => ({ id: `bench-user-${i}`, email: `bench-${i}@example.com`, name: `Bench ${i}` });
// Each buyer from an address of their own, as through the race page's form (the per-address cap's lock and count run).
const clientIp = (i: number) => `10.0.${i >> 8}.${i & 255}`;
// Every Prisma query and every `sql` statement takes a connection from the app's pools: counting the takes counts
// what reaches Postgres. (pg_stat_database counts arrive late: backends flush their statistics up to 10 s after
// the fact, so the rush before would be counted against the sold-out crowd.)
let poolTakes = 0;
for (const pool of sqlPools()) pool.on("acquire", () => (poolTakes += 1));

try {
  await db.user.createMany({ data: Array.from({ length: ATTEMPTS }, (_, i) => ({ ...buyer(i), passwordHash: "x" })) });
  for (const capacity of [100, ATTEMPTS]) {
    const reference = await ticketType(capacity);
    const { result: bare, cpuMs: bareCpu, systemMs: bareSystem } = await measureCpu({}, () =>
      rush(async () => {
        const result = await raw.query(`UPDATE "TicketType" SET "heldCount" = "heldCount" + 1 WHERE id = $1 AND capacity - "soldCount" - "heldCount" >= 1`, [reference.typeId]);
        return result.rowCount === 1;
      }),
    );
    const target = await ticketType(capacity);
    const batchesBefore = await observedSoFar(metrics.holdBatchSize);
    const { result: { result: ours, activity }, cpuMs: ourCpu, systemMs: ourSystem } = await measureCpu({}, () =>
      sampleActivity(process.env.DATABASE_URL!, () =>
        profiled(`reservations-${capacity}`, () =>
          rush(async (i) => {
            await reservePlaces({ raceId: target.raceId, buyer: buyer(i), clientIp: clientIp(i), lines: [{ ticketTypeId: target.typeId, quantity: 1 }] });
            return true;
          }),
        ),
      ),
    );
    const perAttempt = (cpu: Record<string, number>, system: Record<string, number>) =>
      Object.entries(cpu).map(([name, ms]) => `${name} ${(ms / ATTEMPTS).toFixed(3)} (kernel ${((100 * system[name]!) / Math.max(ms, 1)).toFixed(0)}%)`).join(", ");
    console.error(`[reservations] capacity ${capacity}: CPU ms per attempt: Startline ${perAttempt(ourCpu, ourSystem)}; bare ${perAttempt(bareCpu, bareSystem)}`);
    const batchesAfter = await observedSoFar(metrics.holdBatchSize);
    const [holds, transactions] = [batchesAfter.sum - batchesBefore.sum, batchesAfter.count - batchesBefore.count];
    console.error(`[reservations] capacity ${capacity}: ${holds} hold statements in ${transactions} transactions (${(holds / Math.max(transactions, 1)).toFixed(1)} per transaction)`);
    console.error(`[reservations] capacity ${capacity}: backends by state (mean of samples): ${JSON.stringify(activity)}`);
    const final = await db.ticketType.findUniqueOrThrow({ where: { id: target.typeId } });
    console.error(`[reservations] capacity ${capacity}: Startline ${JSON.stringify({ ...ours, refusals: Object.fromEntries(ours.refusals) })}; bare ${JSON.stringify({ ...bare, refusals: Object.fromEntries(bare.refusals) })}`);
    reportRow({ measure: `reservations, ${ATTEMPTS} at ${capacity} places: attempts/s`, ours: ours.perSecond, reference: bare.perSecond, minRatio: 0.5, note: `pool ${poolSize}` });
    reportRow({ measure: `reservations, ${ATTEMPTS} at ${capacity} places: p99 ms`, ours: ours.p99, reference: bare.p99, maxRatio: 2 });
    reportRow({ measure: `reservations, ${ATTEMPTS} at ${capacity} places: places held (oversold?)`, ours: final.heldCount, reference: bare.won, goal: `= ${Math.min(capacity, ATTEMPTS)}`, pass: final.heldCount === Math.min(capacity, ATTEMPTS) && ours.won === final.heldCount });

    if (capacity < ATTEMPTS) {
      // The race is sold out: the crowd keeps pressing "Register".
      const before = poolTakes;
      const again = await rush(async (i) => {
        await reservePlaces({ raceId: target.raceId, buyer: buyer((i + capacity) % ATTEMPTS), clientIp: clientIp(i), lines: [{ ticketTypeId: target.typeId, quantity: 1 }] });
        return true;
      });
      const reached = poolTakes - before;
      reportRow({ measure: `sold out: Postgres queries per 1,000 attempts`, ours: (reached / ATTEMPTS) * 1000, reference: 1000, goal: "≈ 0 (answered from Redis)", pass: reached / ATTEMPTS < 0.05, note: `${again.perSecond.toFixed(0)} refusals/s, p99 ${again.p99.toFixed(0)} ms` });
    }
  }
} finally {
  await raw.end();
  await db.$disconnect();
  await closeRedis();
  await env.drop();
}
