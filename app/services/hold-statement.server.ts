import { randomBytes } from "node:crypto";
import { Prisma } from "@prisma/client";
import { metrics } from "~/utils/metrics.server";
import { isSqlUniqueViolation, sql, sqlScript, sqlText, type ScriptStatement, type SqlClient } from "~/utils/db.server";

/** A row id in the shape of Prisma's `cuid()` (25 lowercase letters and digits, starting with "c"). */
export function newRowId() {
  const random = BigInt(`0x${randomBytes(10).toString("hex")}`).toString(36).padStart(16, "0").slice(-16);
  return `c${Date.now().toString(36).padStart(8, "0").slice(-8)}${random}`;
}

export type HoldTicket = { ticketTypeId: string; priceMinor: number; qrToken: string; roomId: string | null };

export type HoldInput = {
  raceId: string;
  buyer: { id: string; email: string; name: string };
  /** Places wanted per ticket type. */
  wanted: Map<string, number>;
  tickets: HoldTicket[];
  currency: string;
  totals: { subtotalMinor: number; taxMinor: number; totalMinor: number };
  holdExpiresAt: Date;
  clientIp: string | null;
  /** Pending holds one client address may have open (HOLDS_MAX_PER_IP); only counted with `clientIp`. */
  holdsPerIp: number;
  now: Date;
};

export type HoldOutcome =
  | { outcome: "held"; order: { id: string; holdExpiresAt: Date | null; subtotalMinor: number } }
  /** The race is no longer PUBLISHED (seen under its FOR SHARE lock). */
  | { outcome: "race_closed" }
  /** `clientIp` already has `holdsPerIp` other pending holds. */
  | { outcome: "too_many_from_ip" }
  /** The buyer already holds places for this race: nothing taken; `replaceHold` releases that order first. */
  | { outcome: "buyer_has_hold" }
  /** At least one ticket type has not enough places left, or is not offered or on sale: nothing was taken. */
  | { outcome: "no_places" };

export type HoldRow = { race_open: boolean; ip_ok: boolean; pending: boolean; taken: number; order_id: string | null };

/**
 * Takes the places and writes the pending order and its HELD tickets in ONE SQL statement (ADR 0045), so a
 * ticket type's row lock is held only while Postgres runs that statement and commits, never while Node works:
 *  1. the race row `FOR SHARE`, only while PUBLISHED (a cancellation either committed before and is seen, or
 *     waits for this hold and then releases it: ADR 0023), then
 *  2. the cart's ticket types `FOR UPDATE` in id order (two carts never wait on each other crosswise) where the
 *     row as last committed has enough places left and is still offered and on sale (like a guarded UPDATE, a row
 *     that does not qualify is not locked: the crowd behind a sell-out does not queue on it), then
 *  3. `heldCount` raised on every type only when every type has room (never a part of a cart), and
 *  4. the order and its tickets inserted only when step 3 took every type.
 * A waiter re-reads the row after the holder commits (READ COMMITTED), so it never oversells and nobody is
 * refused while places remain. The per-address cap counts the other pending holds of `clientIp`: the caller
 * runs this in a transaction after an advisory lock per address, so the count is taken after that lock.
 * A buyer who already has a pending order for the race takes nothing (`buyer_has_hold`): that order is released
 * first, in a transaction that then runs this statement again. One that appears meanwhile fails the statement on the partial unique
 * index, with nothing taken.
 * `flushLater`: the transaction's commit does not wait for the WAL flush, so the row lock is released as soon as the
 * commit is written, not after the disk has synced it; the caller must then `awaitWalFlush()` before it answers
 * "held" (ADR 0066).
 */
export function holdStatement(input: HoldInput, { flushLater = false } = {}) {
  const { raceId, buyer, now, clientIp } = input;
  const orderId = newRowId();
  const typeIds = [...input.wanted.keys()].sort();
  const quantities = typeIds.map((id) => input.wanted.get(id)!);
  const tickets = input.tickets;
  return sqlText`
    WITH race AS MATERIALIZED (
      SELECT id FROM "Race" WHERE id = ${raceId}::text AND status = 'PUBLISHED' FOR SHARE
    ), ip AS MATERIALIZED (
      SELECT ${clientIp}::text IS NULL OR count(*) < ${input.holdsPerIp}::int AS ok FROM "Order"
      WHERE ${clientIp}::text IS NOT NULL AND "clientIp" = ${clientIp}::text AND status = 'PENDING' AND "holdExpiresAt" > ${now}::timestamp(3)
        AND NOT ("raceId" = ${raceId}::text AND "buyerId" = ${buyer.id}::text)
    ), mine AS MATERIALIZED (
      SELECT EXISTS (SELECT 1 FROM "Order" WHERE "raceId" = ${raceId}::text AND "buyerId" = ${buyer.id}::text AND status = 'PENDING') AS pending
    ), wanted AS MATERIALIZED (
      SELECT * FROM unnest(${typeIds}::text[], ${quantities}::int[]) AS w(id, quantity)
    ), locked AS MATERIALIZED (
      SELECT t.id FROM "TicketType" t JOIN wanted w ON w.id = t.id
      WHERE t."raceId" = ${raceId}::text AND EXISTS (SELECT 1 FROM race) AND (SELECT ok FROM ip) AND NOT (SELECT pending FROM mine)
        AND t.capacity - t."soldCount" - t."heldCount" >= w.quantity AND t."archivedAt" IS NULL
        AND (t."salesStartAt" IS NULL OR t."salesStartAt" <= ${now}::timestamp(3)) AND (t."salesEndAt" IS NULL OR t."salesEndAt" > ${now}::timestamp(3))
      ORDER BY t.id FOR UPDATE OF t
    ), taken AS (
      UPDATE "TicketType" t SET "heldCount" = t."heldCount" + w.quantity
      FROM wanted w
      WHERE t.id = w.id AND (SELECT count(*) = ${typeIds.length}::int FROM locked)
      RETURNING t.id
    ), placed AS (
      INSERT INTO "Order" (id, "raceId", "buyerId", "buyerEmail", "buyerName", currency, "subtotalMinor", "taxMinor", "totalMinor", "holdExpiresAt", "clientIp", "createdAt", "updatedAt")
      SELECT ${orderId}::text, ${raceId}::text, ${buyer.id}::text, ${buyer.email}::text, ${buyer.name}::text, ${input.currency}::text, ${input.totals.subtotalMinor}::int,
        ${input.totals.taxMinor}::int, ${input.totals.totalMinor}::int, ${input.holdExpiresAt}::timestamp(3), ${clientIp}::text, ${now}::timestamp(3), ${now}::timestamp(3)
      WHERE (SELECT count(*) FROM taken) = ${typeIds.length}::int
      RETURNING id
    ), ticketed AS (
      INSERT INTO "Ticket" (id, "orderId", "raceId", "ticketTypeId", status, "priceMinor", "qrToken", "roomId", "createdAt", "updatedAt")
      SELECT n.id, placed.id, ${raceId}::text, n."ticketTypeId", 'HELD', n."priceMinor", n."qrToken", n."roomId", ${now}::timestamp(3), ${now}::timestamp(3)
      FROM placed, unnest(${tickets.map(() => newRowId())}::text[], ${tickets.map((t) => t.ticketTypeId)}::text[], ${tickets.map((t) => t.priceMinor)}::int[],
        ${tickets.map((t) => t.qrToken)}::text[], ${tickets.map((t) => t.roomId)}::text[]) AS n(id, "ticketTypeId", "priceMinor", "qrToken", "roomId")
      RETURNING 1
    )
    SELECT set_config('synchronous_commit', ${flushLater ? "off" : "on"}::text, true) IS NOT NULL AS commit_mode, EXISTS (SELECT 1 FROM race) AS race_open, (SELECT ok FROM ip) AS ip_ok, (SELECT pending FROM mine) AS pending, (SELECT count(*) FROM taken)::int AS taken,
      (SELECT id FROM placed) AS order_id, (SELECT count(*) FROM ticketed)::int AS tickets`;
}

/**
 * Takes the holds of one race as one transaction in one round trip on a connection of the hold pool (`sqlScript`,
 * ADR 0114): each hold is the same statement as alone, run one after another, each seeing what the ones before it
 * took, so every outcome is the one the hold would have had alone in that order. The locks come first, in the order
 * every hold takes them (ADR 0023): the client addresses' advisory locks in key order, then, for more than one hold, the race FOR
 * SHARE and every ticket type of the batch FOR UPDATE in id order (the statements would otherwise take the types of
 * different carts in their own orders). Commits without waiting for the disk: `awaitWalFlush()` before anyone is
 * told (ADR 0066). Rejects, with nothing taken, if any statement fails (a second pending order of a buyer: the
 * partial unique index). Returns each hold's row.
 */
export async function takeHolds(holds: HoldInput[]) {
  const locks: ScriptStatement[] = [];
  const addresses = [...new Set(holds.flatMap(({ clientIp }) => (clientIp ? [holdsFromKey(clientIp)] : [])))].sort();
  if (addresses.length > 0) locks.push(sqlText`SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0)))::int AS locked FROM unnest(${addresses}::text[]) AS k`);
  if (holds.length > 1) {
    const typeIds = [...new Set(holds.flatMap(({ wanted }) => [...wanted.keys()]))].sort();
    locks.push({
      ...sqlText`
        WITH race AS MATERIALIZED (SELECT id FROM "Race" WHERE id = ${holds[0]!.raceId}::text FOR SHARE)
        SELECT count(*)::int AS locked FROM (SELECT id FROM "TicketType" WHERE id = ANY(${typeIds}::text[]) AND (SELECT count(*) FROM race) >= 0 ORDER BY id FOR UPDATE) AS t`,
      name: "hold_batch_locks",
    });
  }
  const rows = await sqlScript([...locks, ...holds.map((hold) => ({ ...holdStatement(hold, { flushLater: true }), name: "hold_statement" }))], { durable: false, holdConnection: true });
  metrics.holdBatchSize.observe(holds.length);
  return rows.slice(locks.length) as HoldRow[][];
}

/** What the hold statement did, from its one row. */
export function holdOutcome([row]: HoldRow[], input: HoldInput): HoldOutcome {
  if (!row) throw new Error("the hold statement returned no row");
  if (row.order_id) return { outcome: "held", order: { id: row.order_id, holdExpiresAt: input.holdExpiresAt, subtotalMinor: input.totals.subtotalMinor } };
  if (!row.ip_ok) return { outcome: "too_many_from_ip" };
  if (row.pending) return { outcome: "buyer_has_hold" };
  if (!row.race_open) return { outcome: "race_closed" };
  return { outcome: "no_places" };
}

/** Serialises the holds of one client address for the rest of the transaction (the per-address cap). */
export function lockHoldsFrom(clientIp: string) {
  return sqlText`SELECT pg_advisory_xact_lock(hashtextextended(${holdsFromKey(clientIp)}::text, 0))`;
}

const holdsFromKey = (clientIp: string) => `holds-from:${clientIp}`;

/** A unique index refused the statement: through pg (23505), or through Prisma (P2010 with 23505, or P2002). */
export function isRawUniqueViolation(error: unknown) {
  if (isSqlUniqueViolation(error)) return true;
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === "P2002") return true;
  const meta = error.meta as { code?: string; driverAdapterError?: { cause?: { originalCode?: string } } } | undefined;
  return error.code === "P2010" && (meta?.code === "23505" || meta?.driverAdapterError?.cause?.originalCode === "23505");
}

type CartRow = {
  status: string | null;
  slug: string;
  /** The race admits buyers through its virtual queue: a hold needs a checkout pass (ADR 0050). */
  queueEnabled: boolean;
  currency: string;
  holdMinutes: number;
  registrationOpensAt: Date | null;
  registrationClosesAt: Date | null;
  startsAt: Date;
  taxMode: string;
  taxRateBps: number;
  types: JsonType[] | null;
  buyers: { room: { id: string; name: string; teamName: string | null } | null; buyerHolds: boolean }[];
};
type JsonDate = string | null;
type JsonType = {
  id: string; raceId: string; name: string; priceMinor: number; maxPerOrder: number; capacity: number; soldCount: number; heldCount: number;
  salesStartAt: JsonDate; salesEndAt: JsonDate; archivedAt: JsonDate; priceTiers: { priceMinor: number; endsAt: string }[];
};

/** A `timestamp(3)` column read through JSON: UTC without an offset, as Prisma stores it. */
const utc = (value: JsonDate) => (value === null ? null : new Date(`${value}Z`));

/** One buyer's cart to read: the race and the ticket types they want. */
export type CartRequest = { raceId: string; buyerId: string; ticketTypeIds: string[] };

/**
 * Everything a hold decides before the statement, for many buyers of one race in one round trip (ADR 0045, ADR 0114):
 * the race, the ticket types the carts name with their price tiers, and for each buyer the open room they are in for
 * this race and whether they already hold places for it. One cart per request (all of one race), in order; `race` is
 * null for no race.
 */
export async function readCarts(client: SqlClient, requests: CartRequest[]) {
  const { raceId } = requests[0]!;
  const typeIds = [...new Set(requests.flatMap((request) => request.ticketTypeIds))];
  const { text, values } = sqlText`
    SELECT r.status::text AS status, r.slug, coalesce((SELECT q.enabled FROM "RaceQueue" q WHERE q."raceId" = r.id), false) AS "queueEnabled", r.currency, r."holdMinutes", r."registrationOpensAt", r."registrationClosesAt", r."startsAt", r."taxMode"::text AS "taxMode", r."taxRateBps",
      (SELECT json_agg(json_build_object(
          'id', t.id, 'raceId', t."raceId", 'name', t.name, 'priceMinor', t."priceMinor", 'maxPerOrder', t."maxPerOrder", 'capacity', t.capacity,
          'soldCount', t."soldCount", 'heldCount', t."heldCount", 'salesStartAt', t."salesStartAt", 'salesEndAt', t."salesEndAt", 'archivedAt', t."archivedAt",
          'priceTiers', (SELECT coalesce(json_agg(json_build_object('priceMinor', p."priceMinor", 'endsAt', p."endsAt")), '[]'::json) FROM "PriceTier" p WHERE p."ticketTypeId" = t.id)))
        FROM "TicketType" t WHERE t.id = ANY(${typeIds}::text[])) AS types,
      (SELECT json_agg(json_build_object(
          'room', (SELECT json_build_object('id', ro.id, 'name', ro.name, 'teamName', ro."teamName")
            FROM "RoomMember" m JOIN "Room" ro ON ro.id = m."roomId"
            WHERE m."raceId" = ${raceId}::text AND m."userId" = b.id AND m."leftAt" IS NULL AND ro.status = 'OPEN' LIMIT 1),
          'buyerHolds', EXISTS (SELECT 1 FROM "Order" o WHERE o."raceId" = ${raceId}::text AND o."buyerId" = b.id AND o.status = 'PENDING')) ORDER BY b.n)
        FROM unnest(${requests.map((request) => request.buyerId)}::text[]) WITH ORDINALITY AS b(id, n)) AS buyers
    FROM (SELECT 1) AS one LEFT JOIN "Race" r ON r.id = ${raceId}::text`;
  const [row] = await sql<CartRow>(text, values, client);
  const { types, buyers, ...race } = row!;
  const offered = (types ?? []).map((t) => ({
    ...t,
    salesStartAt: utc(t.salesStartAt),
    salesEndAt: utc(t.salesEndAt),
    archivedAt: utc(t.archivedAt),
    priceTiers: t.priceTiers.map((tier) => ({ priceMinor: tier.priceMinor, endsAt: utc(tier.endsAt)! })),
  }));
  return requests.map(({ ticketTypeIds }, i) => ({
    race: race.status === null ? null : race,
    offered: offered.filter((type) => ticketTypeIds.includes(type.id)),
    room: buyers[i]!.room,
    /** The buyer has a pending order for this race (a new hold would replace it). */
    buyerHolds: buyers[i]!.buyerHolds,
  }));
}

/** One buyer's cart (`readCarts` for one). */
export async function readCart(client: SqlClient, raceId: string, ticketTypeIds: string[], buyerId: string) {
  const [cart] = await readCarts(client, [{ raceId, buyerId, ticketTypeIds }]);
  return cart!;
}
