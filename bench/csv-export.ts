/**
 * Exports 50,000 participants through the same streamed CSV code the download route uses and
 * prints the time and peak RSS. Not a test: run it by hand when changing the export.
 *
 *   npx tsx bench/csv-export.ts [rows]
 *
 * Needs PostgreSQL at DATABASE_URL's server (default: local). Uses its own migrated database,
 * dropped afterwards.
 */
import { createMigratedDatabase, databaseUrl, dropDatabase } from "../tests/support/database";
import { ensureRandomSessionSecret } from "../tests/support/processes";

const rows = Number(process.argv[2] ?? 50_000);
const name = `startline_bench_${process.pid}`;

await createMigratedDatabase(name);
process.env.DATABASE_URL = databaseUrl(name);
process.env.LOG_LEVEL = "warn";
ensureRandomSessionSecret();

const { db } = await import("~/utils/db.server");
const { participantsCsv } = await import("~/presenters/participants.server");

try {
  const organisation = await db.organisation.create({ data: { name: "Bench Club", slug: `bench-${process.pid}` } });
  const race = await db.race.create({
    data: { organisationId: organisation.id, name: "Bench 10K", slug: `bench-10k-${process.pid}`, startsAt: new Date(), timeZone: "Europe/Dublin", location: "Bench" },
  });
  const type = await db.ticketType.create({ data: { raceId: race.id, name: "10K", priceMinor: 3000, capacity: rows } });
  const question = await db.raceQuestion.create({ data: { raceId: race.id, label: "Club, if any", kind: "TEXT" } });
  const order = await db.order.create({ data: { raceId: race.id, buyerEmail: "bench@example.com", buyerName: "Bench", status: "PAID", currency: "EUR" } });
  await db.$executeRaw`
    INSERT INTO "Ticket" ("id", "orderId", "raceId", "ticketTypeId", "status", "priceMinor", "bib", "qrToken", "createdAt", "updatedAt")
    SELECT 't' || n, ${order.id}, ${race.id}, ${type.id}, 'ISSUED'::"TicketStatus", 3000, n, 'qr' || n, now(), now()
    FROM generate_series(1, ${rows}::int) AS n`;
  await db.$executeRaw`
    INSERT INTO "Participant" ("id", "ticketId", "raceId", "firstName", "lastName", "email", "club", "emergencyPhone", "answers", "createdAt", "updatedAt")
    SELECT 'p' || n, 't' || n, ${race.id}, 'Runner', 'Number "' || n || '", Jr', 'runner' || n || '@example.com', 'Harbour AC', '+353 87 000 ' || n,
           jsonb_build_object(${question.id}::text, 'answer ' || n), now(), now()
    FROM generate_series(1, ${rows}::int) AS n`;

  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);

  const started = performance.now();
  const reader = participantsCsv(race.id, {}).getReader();
  let bytes = 0;
  let lines = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    bytes += next.value.byteLength;
    for (const byte of next.value) if (byte === 0x0a) lines += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  console.log(
    `csv-export rows=${lines - 1} bytes=${mb(bytes)}MB time=${seconds.toFixed(2)}s rows_per_s=${Math.round((lines - 1) / seconds)} ` +
      `rss_before=${mb(rssBefore)}MB peak_rss=${mb(peakRss)}MB growth=${mb(peakRss - rssBefore)}MB`,
  );
} finally {
  await db.$disconnect();
  await dropDatabase(name);
}
