import type { OrderStatus, RaceStatus, TaxMode } from "@prisma/client";
import { sqlText } from "~/utils/db.server";

/** Key space of the bib lock (`pg_advisory_xact_lock(7301, hashtext(raceId))`), shared with `lockRaceBibs`. */
export const BIB_LOCK_SPACE = 7301;

type JsonDate = string | null;

/** Everything fulfilment decides on, read in one statement without locks (ADR 0060). */
export type PaymentFacts = {
  id: string;
  status: OrderStatus;
  raceId: string;
  buyerId: string | null;
  buyerEmail: string;
  currency: string;
  totalMinor: number;
  taxMinor: number;
  discountCodeId: string | null;
  stripeSessionId: string | null;
  race: { status: RaceStatus; registrationClosesAt: JsonDate; startsAt: string; taxMode: TaxMode; name: string };
  tickets: { id: string; ticketTypeId: string; status: string; roomId: string | null }[];
  types: { id: string; capacity: number; soldCount: number; heldCount: number; salesEndAt: JsonDate; archivedAt: JsonDate }[];
  /** The order's use of its discount code, if it has one. */
  redemption: { codeId: string; redeemed: boolean } | null;
};

/** The order, its race, tickets, their ticket types and its discount use: one read, no lock. */
export function paymentFactsStatement(orderId: string) {
  return sqlText`
    SELECT o.id, o.status::text AS status, o."raceId", o."buyerId", o."buyerEmail", o.currency, o."totalMinor", o."taxMinor", o."discountCodeId", o."stripeSessionId",
      json_build_object('status', r.status, 'registrationClosesAt', r."registrationClosesAt", 'startsAt', r."startsAt", 'taxMode', r."taxMode", 'name', r.name) AS race,
      coalesce((SELECT json_agg(json_build_object('id', t.id, 'ticketTypeId', t."ticketTypeId", 'status', t.status, 'roomId', t."roomId") ORDER BY t."createdAt", t.id)
        FROM "Ticket" t WHERE t."orderId" = o.id), '[]'::json) AS tickets,
      coalesce((SELECT json_agg(json_build_object('id', tt.id, 'capacity', tt.capacity, 'soldCount', tt."soldCount", 'heldCount', tt."heldCount", 'salesEndAt', tt."salesEndAt", 'archivedAt', tt."archivedAt"))
        FROM "TicketType" tt WHERE tt.id IN (SELECT "ticketTypeId" FROM "Ticket" WHERE "orderId" = o.id)), '[]'::json) AS types,
      (SELECT json_build_object('codeId', d."discountCodeId", 'redeemed', d."redeemedAt" IS NOT NULL) FROM "DiscountRedemption" d WHERE d."orderId" = o.id) AS redemption
    FROM "Order" o JOIN "Race" r ON r.id = o."raceId" WHERE o.id = ${orderId}::text`;
}

/** An order whose payment a fulfilment transaction writes, and whether its discount use is locked with it. */
export type LockedOrder = { id: string; withDiscount: boolean };

/**
 * Takes fulfilment's locks in the lock order of holds, releases and refunds: the race `FOR SHARE` (a cancellation
 * waits), the orders' ticket types `FOR UPDATE` in id order, the orders `FOR UPDATE` in id order, the discount lock
 * of each order with a code (that of `redeemDiscount`), then the race's bib lock (that of `lockRaceBibs`). Each CTE
 * waits for the one before it. One statement for one order or for a batch of the race's orders (ADR 0086); the
 * statements that decide and write come after it, so they read what the lock holders committed (a statement's
 * snapshot is taken when it starts).
 */
export function fulfilmentLocksStatement({ raceId, typeIds, orders }: { raceId: string; typeIds: string[]; orders: LockedOrder[] }) {
  const orderIds = [...new Set(orders.map((o) => o.id))].sort();
  const discountOrderIds = [...new Set(orders.filter((o) => o.withDiscount).map((o) => o.id))].sort();
  const statement = sqlText`
    WITH race AS MATERIALIZED (
      SELECT id FROM "Race" WHERE id = ${raceId}::text FOR SHARE
    ), types AS MATERIALIZED (
      SELECT id FROM "TicketType" WHERE id = ANY(${[...new Set(typeIds)].sort()}::text[]) AND (SELECT count(*) FROM race) >= 0 ORDER BY id FOR UPDATE
    ), ord AS MATERIALIZED (
      SELECT id FROM "Order" WHERE id = ANY(${orderIds}::text[]) AND (SELECT count(*) FROM types) >= 0 ORDER BY id FOR UPDATE
    ), discount AS MATERIALIZED (
      SELECT count(*) FILTER (WHERE pg_advisory_xact_lock(hashtextextended('discount-order:' || d.id, 0)) IS NULL) AS locked
      FROM (SELECT id FROM unnest(${discountOrderIds}::text[]) AS d(id) WHERE (SELECT count(*) FROM ord) >= 0 ORDER BY id) AS d
    )
    SELECT pg_advisory_xact_lock(${BIB_LOCK_SPACE}::int, hashtext(${raceId}::text)) IS NULL AS bibs_locked, (SELECT count(*) FROM ord)::int AS orders FROM discount`;
  return { ...statement, name: "fulfilment_locks" };
}

/**
 * The bib plan of the tickets in the CTE `issue` (id, ticketTypeId, createdAt, bib) of race `$race`, as CTEs ending
 * in `plan` (id, bib, name, lo, hi): a ticket with a bib keeps it; a ticket of a type with a bib range gets the
 * lowest free numbers of the range, in the order the tickets were created (null when the range is full); a ticket of
 * a type without one gets the next numbers above every bib and every bib range of the race. The set-based form of
 * assigning one ticket after another under the race's bib lock, which the caller holds.
 * The search for free numbers starts at the range's floor (`BibFloor`, ADR 0110), below which every number is taken,
 * so it reads only the bibs above it instead of every bib of the range; `raiseBibFloors` moves the floor up after.
 */
function bibPlan(race: string) {
  return `
    need AS MATERIALIZED (
      SELECT i.id, tt.name, tt."bibRangeStart" AS lo, tt."bibRangeEnd" AS hi,
        CASE WHEN tt."bibRangeStart" IS NOT NULL AND tt."bibRangeEnd" IS NOT NULL THEN i."ticketTypeId" END AS ranged_type,
        row_number() OVER (PARTITION BY CASE WHEN tt."bibRangeStart" IS NOT NULL AND tt."bibRangeEnd" IS NOT NULL THEN i."ticketTypeId" END ORDER BY i."createdAt", i.id) AS k
      FROM issue i JOIN "TicketType" tt ON tt.id = i."ticketTypeId" WHERE i.bib IS NULL
    ), ranges AS MATERIALIZED (
      SELECT n.ranged_type, n.lo, n.hi, count(*) AS wanted,
        greatest(n.lo, coalesce((SELECT f.next FROM "BibFloor" f WHERE f."raceId" = ${race} AND f."rangeStart" = n.lo), n.lo)) AS start
      FROM need n WHERE n.ranged_type IS NOT NULL GROUP BY n.ranged_type, n.lo, n.hi
    ), free AS MATERIALIZED (
      SELECT r.ranged_type, f.n, row_number() OVER (PARTITION BY r.ranged_type ORDER BY f.n) AS k
      FROM ranges r CROSS JOIN LATERAL (
        SELECT g.n FROM (
          SELECT pairs.prev + 1 AS first, coalesce(pairs.next - 1, r.hi) AS last FROM (
            SELECT taken.b AS prev, lead(taken.b) OVER (ORDER BY taken.b) AS next FROM (
              SELECT r.start - 1 AS b UNION ALL SELECT t.bib FROM "Ticket" t WHERE t."raceId" = ${race} AND t.bib BETWEEN r.start AND r.hi
            ) AS taken
          ) AS pairs WHERE coalesce(pairs.next, r.hi + 1) > pairs.prev + 1
        ) AS gaps CROSS JOIN LATERAL generate_series(gaps.first, least(gaps.last, gaps.first + r.wanted::int - 1)) AS g(n)
      ) AS f
    ), above AS MATERIALIZED (
      SELECT greatest(coalesce((SELECT max(bib) FROM "Ticket" WHERE "raceId" = ${race}), 0), coalesce((SELECT max("bibRangeEnd") FROM "TicketType" WHERE "raceId" = ${race}), 0)) AS base
    ), plan AS MATERIALIZED (
      SELECT need.id, need.name, need.lo, need.hi, CASE WHEN need.ranged_type IS NOT NULL THEN free.n ELSE (SELECT base FROM above) + need.k::int END AS bib
      FROM need LEFT JOIN free ON free.ranged_type = need.ranged_type AND free.k = need.k
    )`;
}

/**
 * A CTE `floors` that raises each numbered range's floor (`BibFloor`) past the numbers `plan` gave, when `when` (SQL)
 * holds: the plan took the lowest free numbers from the old floor up, so every number below its highest is now taken.
 */
function raiseBibFloors(race: string, when: string) {
  return `
    floors AS (
      INSERT INTO "BibFloor" ("raceId", "rangeStart", next)
      SELECT ${race}, plan.lo, max(plan.bib) + 1 FROM plan WHERE plan.lo IS NOT NULL AND plan.hi IS NOT NULL AND plan.bib IS NOT NULL AND ${when} GROUP BY plan.lo
      ON CONFLICT ("raceId", "rangeStart") DO UPDATE SET next = greatest("BibFloor".next, excluded.next)
      RETURNING 1
    )`;
}

export type BibPlanRow = { id: string; bib: number | null; name: string; lo: number | null; hi: number | null };

/** Gives the ticket its bib (see `bibPlan`) unless its range is full; returns the plan. Run under the race's bib lock. */
export function assignBibStatement(ticketId: string) {
  return {
    text: `
      WITH issue AS MATERIALIZED (SELECT id, "raceId", "ticketTypeId", "createdAt", bib FROM "Ticket" WHERE id = $1::text),
      ${bibPlan(`(SELECT "raceId" FROM issue)`)},
      numbered AS (UPDATE "Ticket" t SET bib = plan.bib, "updatedAt" = now() FROM plan WHERE t.id = plan.id AND plan.bib IS NOT NULL RETURNING t.id),
      ${raiseBibFloors(`(SELECT "raceId" FROM issue)`, "true")}
      SELECT plan.id, plan.bib, plan.name, plan.lo, plan.hi FROM plan`,
    values: [ticketId],
  };
}

export type FulfilmentWrite = {
  orderId: string;
  raceId: string;
  /** What the facts said, re-checked under the locks: a change since means "read again". */
  expected: {
    orderStatus: string;
    stripeSessionId: string | null;
    totalMinor: number;
    currency: string;
    discountCodeId: string | null;
    raceStatus: string;
    registrationClosesAt: Date | null;
    startsAt: Date;
  };
  late: boolean;
  /** The tickets to issue (HELD, or CANCELLED for a late payment) and the places they take per ticket type. */
  ticketIds: string[];
  perType: Map<string, number>;
  /** The order's held use of its code becomes final here (`redeemedAt`); false when there is none or it was handled. */
  redeemHeldUse: boolean;
  paid: { totalMinor: number; taxMinor: number; paymentIntentId: string | null };
  email: { id: string; userId: string | null; to: string };
  /** The buyer's "Payment confirmed" notification, stored with the payment (kept `expiresAt`); null for a guest. */
  notice: { id: string; userId: string; kind: string; title: string; body: string; href: string; dedupeKey: string; expiresAt: Date } | null;
  now: Date;
};

export type FulfilmentWriteRow = { ok: boolean; bib_full: { name: string; lo: number; hi: number } | null; email_id: string | null; notice_id: string | null };

/**
 * Decides and writes a payment in one statement, under the locks `fulfilmentLocksStatement` took: only when the
 * order, its tickets, its race, its discount use and (for a late payment) its ticket types' places are still what
 * the facts said, and every ticket gets a bib, it moves the places to sold, issues the tickets with their bibs,
 * sets the team names of room tickets, marks the order PAID, makes the code's use final, records the
 * confirmation email (rendered when sent) and stores the buyer's notification (`notice_id`, null if it was stored
 * before). Otherwise it writes nothing and says why (`ok` false: read again;
 * `bib_full`: a bib range is full).
 */
export function fulfilmentWriteStatement(input: FulfilmentWrite) {
  const { expected: e, now, notice } = input;
  const typeIds = [...input.perType.keys()];
  const counts = typeIds.map((id) => input.perType.get(id)!);
  const issuingStatus = input.late ? "CANCELLED" : "HELD";
  const head = sqlText`
    WITH want AS MATERIALIZED (
      SELECT * FROM unnest(${typeIds}::text[], ${counts}::int[]) AS w(id, n)
    ), ok AS MATERIALIZED (
      SELECT EXISTS (SELECT 1 FROM "Race" r WHERE r.id = ${input.raceId}::text AND r.status::text = ${e.raceStatus}::text
          AND r."registrationClosesAt" IS NOT DISTINCT FROM ${e.registrationClosesAt}::timestamp(3) AND r."startsAt" = ${e.startsAt}::timestamp(3))
        AND EXISTS (SELECT 1 FROM "Order" o WHERE o.id = ${input.orderId}::text AND o.status::text = ${e.orderStatus}::text
          AND o."stripeSessionId" IS NOT DISTINCT FROM ${e.stripeSessionId}::text AND o."totalMinor" = ${e.totalMinor}::int AND o.currency = ${e.currency}::text
          AND o."discountCodeId" IS NOT DISTINCT FROM ${e.discountCodeId}::text)
        AND (SELECT count(*) FROM "Ticket" t WHERE t."orderId" = ${input.orderId}::text AND t.status::text = ${issuingStatus}::text) = ${input.ticketIds.length}::int
        AND (SELECT count(*) FROM "Ticket" t WHERE t.id = ANY(${input.ticketIds}::text[]) AND t."orderId" = ${input.orderId}::text AND t.status::text = ${issuingStatus}::text) = ${input.ticketIds.length}::int
        AND (NOT ${input.late}::boolean OR NOT EXISTS (
          SELECT 1 FROM want w JOIN "TicketType" tt ON tt.id = w.id
          WHERE tt.capacity - tt."soldCount" - tt."heldCount" < w.n OR tt."archivedAt" IS NOT NULL OR (tt."salesEndAt" IS NOT NULL AND tt."salesEndAt" <= ${now}::timestamp(3))))
        AND (NOT ${input.redeemHeldUse}::boolean OR EXISTS (
          SELECT 1 FROM "DiscountRedemption" d WHERE d."orderId" = ${input.orderId}::text AND d."discountCodeId" = ${e.discountCodeId}::text AND d."redeemedAt" IS NULL)) AS ok
    ), issue AS MATERIALIZED (
      SELECT t.id, t."ticketTypeId", t."createdAt", t.bib, t."roomId" FROM "Ticket" t WHERE (SELECT ok FROM ok) AND t.id = ANY(${input.ticketIds}::text[])
    ), race_id AS (SELECT ${input.raceId}::text AS id), `;
  const at = head.values.length;
  // The shared SQL of the bib plan names the race through this CTE (no parameter numbers to thread through).
  const tail = sqlText`, full_range AS MATERIALIZED (
      SELECT json_build_object('name', name, 'lo', lo, 'hi', hi) AS range FROM plan WHERE bib IS NULL LIMIT 1
    ), go AS MATERIALIZED (
      SELECT (SELECT ok FROM ok) AND NOT EXISTS (SELECT 1 FROM full_range) AS go
    ), sold AS (
      UPDATE "TicketType" tt SET "soldCount" = tt."soldCount" + w.n, "heldCount" = tt."heldCount" - CASE WHEN ${input.late}::boolean THEN 0 ELSE w.n END, "updatedAt" = ${now}::timestamp(3)
      FROM want w WHERE tt.id = w.id AND (SELECT go FROM go) RETURNING 1
    ), issued AS (
      UPDATE "Ticket" t SET status = 'ISSUED', bib = coalesce(t.bib, plan.bib), "updatedAt" = ${now}::timestamp(3)
      FROM issue LEFT JOIN plan ON plan.id = issue.id WHERE t.id = issue.id AND (SELECT go FROM go) RETURNING 1
    ), teams AS (
      UPDATE "Participant" p SET "teamName" = coalesce(ro."teamName", ro.name), "updatedAt" = ${now}::timestamp(3)
      FROM issue JOIN "Room" ro ON ro.id = issue."roomId" WHERE p."ticketId" = issue.id AND (SELECT go FROM go) RETURNING 1
    ), paid AS (
      UPDATE "Order" o SET status = 'PAID', "paidAt" = ${now}::timestamp(3), "holdExpiresAt" = NULL, "totalMinor" = ${input.paid.totalMinor}::int, "taxMinor" = ${input.paid.taxMinor}::int,
        "stripePaymentIntentId" = coalesce(${input.paid.paymentIntentId}::text, o."stripePaymentIntentId"), "updatedAt" = ${now}::timestamp(3)
      WHERE o.id = ${input.orderId}::text AND (SELECT go FROM go) RETURNING 1
    ), redeemed AS (
      UPDATE "DiscountRedemption" d SET "redeemedAt" = ${now}::timestamp(3)
      WHERE d."orderId" = ${input.orderId}::text AND ${input.redeemHeldUse}::boolean AND (SELECT go FROM go) RETURNING 1
    ), emailed AS (
      INSERT INTO "EmailMessage" (id, "userId", kind, "to", subject, text, html, status, "createdAt", "confirmsOrderId")
      SELECT ${input.email.id}::text, ${input.email.userId}::text, 'order_confirmed', ${input.email.to}::text, '', '', '', 'QUEUED', ${now}::timestamp(3), ${input.orderId}::text
      WHERE (SELECT go FROM go) RETURNING id
    ), noticed AS (
      INSERT INTO "Notification" (id, "userId", kind, title, body, href, "dedupeKey", "createdAt", "expiresAt")
      SELECT ${notice?.id ?? null}::text, ${notice?.userId ?? null}::text, ${notice?.kind ?? null}::text, ${notice?.title ?? null}::text, ${notice?.body ?? null}::text,
        ${notice?.href ?? null}::text, ${notice?.dedupeKey ?? null}::text, ${now}::timestamp(3), ${notice?.expiresAt ?? null}::timestamp(3)
      WHERE (SELECT go FROM go) AND ${notice?.id ?? null}::text IS NOT NULL
      ON CONFLICT ("dedupeKey") DO NOTHING RETURNING id
    ),`;
  const renumbered = tail.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + at}`);
  const text = [
    head.text,
    bibPlan("(SELECT id FROM race_id)").trim(),
    renumbered,
    raiseBibFloors("(SELECT id FROM race_id)", "(SELECT go FROM go)"),
    "\n    SELECT (SELECT ok FROM ok) AS ok, (SELECT range FROM full_range) AS bib_full, (SELECT id FROM emailed) AS email_id, (SELECT id FROM noticed) AS notice_id",
  ].join("");
  // Prepared once per connection by `sqlScript` (ADR 0112): planning this statement cost twice its execution.
  return { text, values: [...head.values, ...tail.values], name: "fulfilment_write" };
}
