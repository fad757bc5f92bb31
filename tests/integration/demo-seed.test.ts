import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cloneDatabase, databaseUrl, dropDatabase } from "../support/database";
import { runDemoSeed } from "../support/demo-stack";
import { testEnv } from "../support/processes";

// The demo seed writes races, orders and rooms: it gets a database of its own, never this worker's shared one.
const { runId, template } = inject("testRun");
const database = `startline_test_${runId}_seed${process.env.VITEST_POOL_ID ?? "0"}`;
let client: pg.Client;

const seed = (demoMode = "true") => runDemoSeed(testEnv({ DATABASE_URL: databaseUrl(database), DEMO_MODE: demoMode, NODE_ENV: "development" }));

beforeAll(async () => {
  await cloneDatabase(template, database);
  client = new pg.Client({ connectionString: databaseUrl(database) });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await dropDatabase(database);
});

async function one<T>(text: string, values: unknown[] = []) {
  return (await client.query(text, values)).rows[0] as T;
}

const tables = ["User", "Organisation", "OrganisationMember", "Race", "TicketType", "PriceTier", "RaceQuestion", "WaiverVersion", "DiscountCode", "Order", "Ticket", "Participant", "WaiverSignature", "Room", "RoomMember", "RoomMessage", "RaceQueue", "EmailMessage", "AuditEntry"];

async function counts() {
  const entries = await Promise.all(tables.map(async (table) => [table, Number((await one<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`)).n)] as const));
  const sold = await client.query(`SELECT name, "soldCount", capacity FROM "TicketType" ORDER BY name, capacity`);
  return { rows: Object.fromEntries(entries) as Record<string, number>, sold: sold.rows };
}

describe("the demo seed", () => {
  it("builds the living demo, and a second run leaves the same counts (only the queue's opening moves ahead)", { timeout: 180_000 }, async () => {
    const started = Date.now();
    const first = await seed();
    const afterFirst = await counts();
    const second = await seed();
    const afterSecond = await counts();
    // The one write a rerun makes: the queue opens a few minutes after it, recorded in the race's audit log.
    expect(afterSecond).toEqual({ ...afterFirst, rows: { ...afterFirst.rows, AuditEntry: afterFirst.rows.AuditEntry! + 1 } });
    expect(second.discountCode).toBe(first.discountCode);
    expect(Date.now() - started).toBeLessThan(120_000);

    // What the demo output promises is there.
    expect(first.discountCode).toBe("RIVERSIDE10");
    expect(first.text).toMatch(/organiser@startline\.test \/ startline-organiser/);
    expect(first.text).toMatch(/buyer@startline\.test \/ startline-buyer/);
    expect(first.text).toMatch(/checkin@startline\.test \/ startline-checkin/);
    expect(first.text.match(/^ {2}\d\. http/gm)).toHaveLength(3);
    const races = await client.query<{ slug: string; status: string; future: boolean }>(`SELECT slug, status, "startsAt" > now() AS future FROM "Race" ORDER BY slug`);
    expect(races.rows).toEqual([
      { slug: "autumn-park-5k", status: "CLOSED", future: false },
      { slug: "city-lights-10k", status: "PUBLISHED", future: true },
      { slug: "harbour-night-trail", status: "PUBLISHED", future: true },
      { slug: "riverside-half-marathon", status: "PUBLISHED", future: true },
    ]);
    const flagship = await one<{ types: number; tiers: number; questions: number; guardian: number; codes: number; paid: number; days: number }>(`
      SELECT (SELECT count(*) FROM "TicketType" t WHERE t."raceId" = r.id)::int AS types,
             (SELECT count(*) FROM "PriceTier" p JOIN "TicketType" t ON t.id = p."ticketTypeId" WHERE t."raceId" = r.id)::int AS tiers,
             (SELECT count(*) FROM "RaceQuestion" q WHERE q."raceId" = r.id)::int AS questions,
             r."guardianUnderAge" AS guardian,
             (SELECT count(*) FROM "DiscountCode" d WHERE d."raceId" = r.id AND d.code = 'RIVERSIDE10')::int AS codes,
             (SELECT count(*) FROM "Order" o WHERE o."raceId" = r.id AND o.status = 'PAID')::int AS paid,
             (SELECT count(DISTINCT o."paidAt"::date) FROM "Order" o WHERE o."raceId" = r.id)::int AS days
      FROM "Race" r WHERE r.slug = 'riverside-half-marathon'`);
    expect(flagship).toMatchObject({ types: 3, tiers: 1, questions: 3, guardian: 18, codes: 1 });
    expect(flagship.paid).toBeGreaterThanOrEqual(200);
    expect(flagship.days).toBeGreaterThanOrEqual(14);
    expect(afterFirst.sold).toContainEqual({ name: "Trail 12K", soldCount: 60, capacity: 60 });
    expect(afterFirst.sold).toContainEqual({ name: "Trail 6K", soldCount: 36, capacity: 40 });

    const buyer = await one<{ status: string; issued: number; guardian: number }>(`
      SELECT o.status, (SELECT count(*) FROM "Ticket" t WHERE t."orderId" = o.id AND t.status = 'ISSUED' AND t.bib IS NOT NULL)::int AS issued,
             (SELECT count(*) FROM "Participant" p JOIN "Ticket" t ON t.id = p."ticketId" JOIN "WaiverSignature" w ON w."participantId" = p.id WHERE t."orderId" = o.id AND w."guardianName" IS NOT NULL)::int AS guardian
      FROM "Order" o JOIN "User" u ON u.id = o."buyerId" WHERE u.email = 'buyer@startline.test'`);
    expect(buyer).toEqual({ status: "PAID", issued: 2, guardian: 1 });

    const rooms = await client.query<{ visibility: string; members: number; messages: number }>(`
      SELECT r.visibility, (SELECT count(*) FROM "RoomMember" m WHERE m."roomId" = r.id AND m."leftAt" IS NULL)::int AS members,
             (SELECT count(*) FROM "RoomMessage" m WHERE m."roomId" = r.id)::int AS messages
      FROM "Room" r ORDER BY r.name`);
    expect(rooms.rows).toEqual([
      { visibility: "PUBLIC", members: 4, messages: 5 },
      { visibility: "PUBLIC", members: 3, messages: 3 },
    ]);
    const past = await one<{ participants: number; checkedIn: number; beforeStart: boolean }>(`
      SELECT count(*)::int AS participants, count(p."checkedInAt")::int AS "checkedIn", bool_and(p."checkedInAt" IS NULL OR p."checkedInAt" < r."startsAt") AS "beforeStart"
      FROM "Participant" p JOIN "Race" r ON r.id = p."raceId" WHERE r.slug = 'autumn-park-5k'`);
    expect(past.checkedIn).toBeGreaterThan(0);
    expect(past.checkedIn).toBeLessThan(past.participants);
    expect(past.beforeStart).toBe(true);
    const staff = await one<{ role: string }>(`SELECT m.role FROM "OrganisationMember" m JOIN "User" u ON u.id = m."userId" WHERE u.email = 'checkin@startline.test'`);
    expect(staff.role).toBe("CHECKIN");

    const queue = await one<{ enabled: boolean; minutes: number }>(`
      SELECT q.enabled, extract(epoch FROM q."opensAt" - now()) / 60 AS minutes FROM "RaceQueue" q JOIN "Race" r ON r.id = q."raceId" WHERE r.slug = 'city-lights-10k'`);
    expect(queue.enabled).toBe(true);
    expect(Number(queue.minutes)).toBeGreaterThan(2);
    expect(Number(queue.minutes)).toBeLessThanOrEqual(6);
  });

  it("has the operator account in demo mode only, and takes the role back outside it", { timeout: 180_000 }, async () => {
    const operator = () => one<{ role: string } | undefined>(`SELECT role FROM "User" WHERE email = 'operator@startline.test'`);
    const outside = await seed("false");
    expect(outside.text).not.toContain("operator@startline.test");
    await seed("true");
    expect(await operator()).toEqual({ role: "OPERATOR" });
    expect((await seed("false")).text).not.toContain("operator@startline.test");
    expect(await operator()).toEqual({ role: "BUYER" });
    expect(await one(`SELECT role FROM "User" WHERE email = 'organiser@startline.test'`)).toEqual({ role: "ORGANISER" });
  });
});
