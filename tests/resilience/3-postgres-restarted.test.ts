import { afterAll, expect, it } from "vitest";
import { deliverLikeStripe, paced, sleep, waitUntil } from "./support/load";
import { printTable, type ReportRow } from "./support/report";
import { prepareStack } from "./support/stack";

/**
 * Scenario 3: PostgreSQL (a cluster of this scenario's own) is stopped for 10 s and started again while payments
 * arrive. /readyz says 503 while it is down, the webhook answers 5xx (so Stripe retries) and nothing is written by
 * half; once it is back everything drains and the final state is exact.
 */

const ORDERS = 300;
const RATE_PER_SECOND = 20;
const OUTAGE_MS = 10_000;

const stack = await prepareStack({ privatePostgres: true });
const { db } = await import("~/utils/db.server");
const fixtures = await import("./support/fixtures");

afterAll(() => stack.close());

it("answers 503/5xx while PostgreSQL is down, writes nothing by half and drains exactly after", async () => {
  const sale = await fixtures.saleRace({ capacity: 2_000, codeUses: 100 });
  const orders = await fixtures.pendingOrders(sale, ORDERS, { codeEvery: 5 });
  const events = orders.map((o) => fixtures.paidEvent(stack.stripe, o.sessionId));
  const web = await stack.startWeb();
  const worker = await stack.startWorker();

  // Probed as a load balancer would, several at a time so a slow answer does not hide the next ones.
  const readiness: { at: number; ms: number; status: number }[] = [];
  let probing = true;
  const probe = Promise.all(
    Array.from({ length: 4 }, async () => {
      while (probing) {
        const at = Date.now();
        const status = await fetch(new URL("/readyz", web.url), { signal: AbortSignal.timeout(5_000) }).then((r) => r.status, () => 0);
        readiness.push({ at, ms: Date.now() - at, status });
        await sleep(250);
      }
    }),
  );

  const started = Date.now();
  const outage = { from: 0, to: 0 };
  const fault = (async () => {
    await sleep(4_000);
    await stack.postgres!.stop("fast");
    outage.from = Date.now();
    await sleep(OUTAGE_MS);
    outage.to = Date.now();
    await stack.postgres!.start();
  })();
  const deliveries = await paced(events, RATE_PER_SECOND, (event) => deliverLikeStripe(web.url, event, stack.webhookSecret, { deadline: Date.now() + 180_000 }));
  await fault;
  const back = Date.now();

  const eventIds = events.map((e) => e.id);
  await waitUntil(
    "every payment processed and confirmed",
    async () => ({
      events: await db.stripeEvent.count({ where: { id: { in: eventIds }, processedAt: { not: null } } }),
      emails: await db.emailMessage.count({ where: { kind: "order_confirmed", status: "SENT" } }),
    }),
    (n) => n.events === ORDERS && n.emails === ORDERS,
    240_000,
    500,
  );
  const drainedAfter = Date.now() - back;
  probing = false;
  await probe;

  // Nothing by half: every order is either paid with all of its effects, or untouched.
  const rows = await db.order.findMany({
    where: { id: { in: orders.map((o) => o.orderId) } },
    select: { id: true, status: true, discountCodeId: true, tickets: { select: { status: true, bib: true } }, redemption: { select: { redeemedAt: true } } },
  });
  const emailsTo = await db.emailMessage.groupBy({ by: ["to"], where: { kind: "order_confirmed" }, _count: true });
  const emailCount = new Map(emailsTo.map((e) => [e.to, e._count]));
  const byId = new Map(orders.map((o) => [o.orderId, o]));
  const halfWritten = rows.filter((order) => {
    const planned = byId.get(order.id)!;
    const issued = order.tickets.filter((t) => t.status === "ISSUED" && t.bib !== null).length;
    const held = order.tickets.filter((t) => t.status === "HELD").length;
    const codeFinal = !order.discountCodeId || order.redemption?.redeemedAt;
    const email = emailCount.get(planned.buyerEmail) ?? 0;
    const whole = order.status === "PAID" ? issued === planned.quantity && held === 0 && codeFinal && email === 1 : issued === 0 && email === 0;
    return !whole;
  });
  const type = await db.ticketType.findUniqueOrThrow({ where: { id: sale.type.id }, select: { soldCount: true, heldCount: true } });
  const ticketCounts = await db.ticket.groupBy({ by: ["status"], where: { ticketTypeId: sale.type.id }, _count: true });
  const countOf = (status: string) => ticketCounts.find((t) => t.status === status)?._count ?? 0;
  const code = await db.discountCode.findUniqueOrThrow({ where: { id: sale.code.id }, select: { redemptionCount: true } });
  const redemptions = await db.discountRedemption.count({ where: { discountCodeId: sale.code.id } });
  const paid = rows.filter((o) => o.status === "PAID").length;

  const attempts = deliveries.flatMap((d) => d.attempts);
  // Asked and answered while PostgreSQL was down.
  const inOutage = (a: { at: number; ms: number }) => a.at >= outage.from && a.at + a.ms <= outage.to;
  const outageAnswers = attempts.filter(inOutage);
  const readyDuring = readiness.filter(inOutage);
  const readyAgain = readiness.find((r) => r.at > back && r.status === 200);
  const table: ReportRow[] = [
    {
      what: "webhooks during the outage",
      eventsIn: outageAnswers.length,
      effectsOut: `${outageAnswers.filter((a) => a.status >= 500).length} × 5xx`,
      lost: outageAnswers.filter((a) => a.status >= 200 && a.status < 300).length,
      doubled: 0,
      note: `asked and answered while it was down; a 2xx then would lose the event; ${outageAnswers.filter((a) => a.status === 0).length} not answered within 20 s`,
    },
    { what: "webhooks answered 2xx in the end", eventsIn: ORDERS, effectsOut: deliveries.filter((d) => d.delivered).length, lost: deliveries.filter((d) => !d.delivered).length, doubled: 0, note: `${attempts.length} attempts` },
    { what: "/readyz while PostgreSQL is down", eventsIn: readyDuring.length, effectsOut: `${readyDuring.filter((r) => r.status === 503).length} × 503`, lost: readyDuring.filter((r) => r.status !== 503).length, doubled: 0, note: `${readyDuring.filter((r) => r.status !== 503).map((r) => `${r.status || "no answer"} after ${r.ms} ms`).join(", ") || "every answer 503"}; ${readyAgain ? `200 again ${readyAgain.at - back} ms after the start` : "never ready again"}` },
    { what: "orders paid", eventsIn: ORDERS, effectsOut: paid, lost: ORDERS - paid, doubled: 0 },
    { what: "orders written by half", eventsIn: ORDERS, effectsOut: ORDERS - halfWritten.length, lost: halfWritten.length, doubled: 0 },
    { what: "tickets sold (counter vs rows)", eventsIn: countOf("ISSUED"), effectsOut: type.soldCount, lost: Math.max(0, countOf("ISSUED") - type.soldCount), doubled: Math.max(0, type.soldCount - countOf("ISSUED")), note: `held ${type.heldCount} vs ${countOf("HELD")} rows` },
    { what: "discount uses (counter vs rows)", eventsIn: redemptions, effectsOut: code.redemptionCount, lost: Math.max(0, redemptions - code.redemptionCount), doubled: Math.max(0, code.redemptionCount - redemptions) },
    { what: "processes crashed", eventsIn: 2, effectsOut: [web, worker].filter((p) => p.child.exitCode === null).length, lost: [web, worker].filter((p) => p.child.exitCode !== null).length, doubled: 0 },
  ];
  printTable("Scenario 3: PostgreSQL restarted while payments arrive", table, {
    outage: `PostgreSQL down from ${((outage.from - started) / 1000).toFixed(1)} s to ${((outage.to - started) / 1000).toFixed(1)} s`,
    "drained after it was back": `${(drainedAfter / 1000).toFixed(1)} s`,
  });

  for (const row of table) expect({ what: row.what, lost: row.lost, doubled: row.doubled }).toEqual({ what: row.what, lost: 0, doubled: 0 });
  expect(type.heldCount).toBe(countOf("HELD"));
  expect(readyDuring.length).toBeGreaterThan(0);
  expect(readyAgain).toBeDefined();
});
