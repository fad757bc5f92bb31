import { randomBytes } from "node:crypto";
import { Prisma } from "@prisma/client";
import { requestAiJob } from "~/services/ai-jobs.server";
import { startPackPurchase } from "~/services/billing.server";
import { creditPacks } from "~/lib/credit-catalog";
import { grantCredits } from "~/services/credits.server";
import { db } from "~/utils/db.server";
import { orderTotals } from "~/lib/order-totals";
import { stripeClient } from "~/utils/stripe.server";
import { stripeEvent, type StripeDouble } from "../../mocks/stripe";
import { mapLimit } from "./load";

/**
 * Worlds for the scenarios: races on sale, pending orders, credit pack purchases and AI jobs, with their
 * Checkout Sessions in the Stripe double (created by the app's own Stripe client), so what the webhooks later
 * confirm is what buyers would have produced. Import this module only after `prepareStack` has set the
 * environment.
 */

const tag = () => randomBytes(4).toString("hex");

/** Users with an unusable password: the scenarios never log them in through the form. */
export async function createUsers(count: number, role: "BUYER" | "ORGANISER" | "OPERATOR" = "BUYER") {
  const run = tag();
  await db.user.createMany({
    data: Array.from({ length: count }, (_, i) => ({ email: `r-${run}-${i}@example.com`, name: `Runner ${i}`, passwordHash: "x", emailVerifiedAt: new Date(), role })),
  });
  return db.user.findMany({ where: { email: { startsWith: `r-${run}-` } }, orderBy: { email: "asc" }, select: { id: true, email: true, name: true } });
}

/** A published race on sale with one ticket type, a waiver in force and a discount code of `codeUses` uses. */
export async function saleRace({ capacity = 5_000, priceMinor = 3_000, codeUses = 1_000 }: { capacity?: number; priceMinor?: number; codeUses?: number } = {}) {
  const run = tag();
  const [owner] = await createUsers(1, "ORGANISER");
  const organisation = await db.organisation.create({ data: { name: `Club ${run}`, slug: `club-${run}` } });
  await db.organisationMember.create({ data: { organisationId: organisation.id, userId: owner!.id, role: "OWNER" } });
  const race = await db.race.create({
    data: {
      organisationId: organisation.id,
      name: `Resilience 10K ${run}`,
      slug: `resilience-10k-${run}`,
      status: "PUBLISHED",
      startsAt: new Date(Date.now() + 30 * 24 * 3600 * 1000),
      timeZone: "Europe/Dublin",
      location: "Dún Laoghaire",
      holdMinutes: 30,
      standardFields: [],
    },
  });
  const type = await db.ticketType.create({ data: { raceId: race.id, name: "10K", priceMinor, capacity, maxPerOrder: 4 } });
  const waiver = await db.waiverVersion.create({ data: { raceId: race.id, version: 1, title: "Waiver", text: "I accept.", contentHash: `h-${run}` } });
  const code = await db.discountCode.create({ data: { raceId: race.id, code: "HALF", kind: "PERCENT", amount: 50, maxRedemptions: codeUses } });
  return { race, type, waiver, code, owner: owner! };
}

export type SaleRace = Awaited<ReturnType<typeof saleRace>>;

export type PendingOrder = { orderId: string; buyerId: string; buyerEmail: string; sessionId: string; quantity: number; withCode: boolean; totalMinor: number };

const newId = () => `c${randomBytes(12).toString("hex")}`;

/**
 * Orders as the checkout leaves them once the buyer presses Pay, each of a different buyer: places held
 * (HELD tickets counted in `heldCount`), participants filled in and signed, every `codeEvery`-th holding a use
 * of the discount code (a redemption row without `redeemedAt`, counted in `redemptionCount`), and an open
 * Checkout Session in the Stripe double for the order's total (created through the app's Stripe client).
 * Written in bulk: building hundreds through the race page would take minutes on a small machine, and the
 * integration tests already cover that path.
 */
export async function pendingOrders(
  sale: SaleRace,
  count: number,
  { codeEvery = 0, concurrency = 8, buyers: given }: { codeEvery?: number; concurrency?: number; /** Default: new users. */ buyers?: { id: string; email: string; name: string }[] } = {},
) {
  const buyers = given ?? (await createUsers(count));
  const race = await db.race.findUniqueOrThrow({ where: { id: sale.race.id }, select: { currency: true, holdMinutes: true, taxMode: true, taxRateBps: true } });
  const holdExpiresAt = new Date(Date.now() + race.holdMinutes * 60_000);
  const plans = buyers.map((buyer, i) => {
    const quantity = 1 + (i % 2);
    const withCode = codeEvery > 0 && i % codeEvery === 0;
    const prices = Array.from({ length: quantity }, () => sale.type.priceMinor);
    const subtotal = prices.reduce((a, b) => a + b, 0);
    const totals = orderTotals({ prices, discountMinor: withCode ? Math.floor(subtotal / 2) : 0, taxMode: race.taxMode, taxRateBps: race.taxRateBps });
    const tickets = prices.map((priceMinor, n) => ({ id: newId(), participantId: newId(), priceMinor, n }));
    return { buyer, i, quantity, withCode, totals, tickets, orderId: newId() };
  });
  await db.$transaction(async (tx) => {
    await tx.order.createMany({
      data: plans.map(({ buyer, orderId, totals, withCode }) => ({
        id: orderId,
        raceId: sale.race.id,
        buyerId: buyer.id,
        buyerEmail: buyer.email,
        buyerName: buyer.name,
        currency: race.currency,
        subtotalMinor: totals.subtotalMinor,
        discountMinor: totals.discountMinor,
        taxMinor: totals.taxMinor,
        totalMinor: totals.totalMinor,
        discountCodeId: withCode ? sale.code.id : null,
        holdExpiresAt,
      })),
    });
    await tx.ticket.createMany({
      data: plans.flatMap(({ orderId, tickets }) =>
        tickets.map((t) => ({ id: t.id, orderId, raceId: sale.race.id, ticketTypeId: sale.type.id, priceMinor: t.priceMinor, status: "HELD" as const, qrToken: randomBytes(18).toString("base64url") })),
      ),
    });
    await tx.participant.createMany({
      data: plans.flatMap(({ buyer, i, tickets }) =>
        tickets.map((t) => ({ id: t.participantId, ticketId: t.id, raceId: sale.race.id, firstName: `Runner${i}`, lastName: `Number${t.n}`, email: buyer.email })),
      ),
    });
    await tx.waiverSignature.createMany({
      data: plans.flatMap(({ i, tickets }) =>
        tickets.map((t) => ({ participantId: t.participantId, waiverVersionId: sale.waiver.id, contentHash: sale.waiver.contentHash, signedName: `Runner${i} Number${t.n}` })),
      ),
    });
    const coded = plans.filter((p) => p.withCode);
    await tx.discountRedemption.createMany({ data: coded.map(({ orderId, buyer }) => ({ discountCodeId: sale.code.id, orderId, email: buyer.email.toLowerCase(), userId: buyer.id })) });
    await tx.discountCode.update({ where: { id: sale.code.id }, data: { redemptionCount: { increment: coded.length } } });
    await tx.ticketType.update({ where: { id: sale.type.id }, data: { heldCount: { increment: plans.reduce((sum, p) => sum + p.quantity, 0) } } });
  }, { timeout: 60_000 });
  const stripe = stripeClient()!;
  const sessions = await mapLimit(plans, concurrency, ({ orderId, buyer, totals }) =>
    stripe.checkout.sessions.create(
      {
        mode: "payment",
        client_reference_id: orderId,
        customer_email: buyer.email,
        line_items: [{ quantity: 1, price_data: { currency: race.currency.toLowerCase(), unit_amount: totals.totalMinor, product_data: { name: sale.race.name } } }],
        metadata: { orderId },
        payment_intent_data: { metadata: { orderId } },
        expires_at: Math.floor(holdExpiresAt.getTime() / 1000) + 60,
        success_url: `http://localhost/orders/${orderId}`,
        cancel_url: `http://localhost/checkout/${orderId}`,
      },
      { idempotencyKey: `checkout-${orderId}-0` },
    ),
  );
  await db.$executeRaw`
    UPDATE "Order" AS o SET "stripeSessionId" = v.session, "checkoutSessionCount" = 1
    FROM (VALUES ${Prisma.join(plans.map((p, i) => Prisma.sql`(${p.orderId}, ${sessions[i]!.id})`))}) AS v(id, session)
    WHERE o.id = v.id`;
  return plans.map((p, i): PendingOrder => ({ orderId: p.orderId, buyerId: p.buyer.id, buyerEmail: p.buyer.email, sessionId: sessions[i]!.id, quantity: p.quantity, withCode: p.withCode, totalMinor: p.totals.totalMinor }));
}

/** The buyer pays at Stripe: the session completes, and this is the event Stripe sends for it. */
export function paidEvent(stripe: StripeDouble, sessionId: string) {
  return stripeEvent("checkout.session.completed", stripe.completeSession(sessionId));
}

export type PackPurchase = { purchaseId: string; userId: string; sessionId: string; credits: number };

/** Credit pack purchases started on the billing page (a Checkout Session each). */
export async function packPurchases(count: number, { concurrency = 6 }: { concurrency?: number } = {}) {
  const users = await createUsers(count);
  const pack = creditPacks[0]!;
  return mapLimit(users, concurrency, async (user): Promise<PackPurchase> => {
    await startPackPurchase({ userId: user.id, packId: pack.id });
    const purchase = await db.creditPurchase.findFirstOrThrow({ where: { userId: user.id }, select: { id: true, stripeSessionId: true } });
    return { purchaseId: purchase.id, userId: user.id, sessionId: purchase.stripeSessionId!, credits: pack.credits };
  });
}

/** Race questions asked by users who hold credits; each debits its cost when asked. `marker` lets the OpenAI double script it. */
export async function aiQuestions(raceId: string, markers: string[]) {
  const users = await createUsers(markers.length);
  return mapLimit(users, 4, async (user, i) => {
    await grantCredits({ userId: user.id, amount: 10, description: "Resilience credits", idempotencyKey: `resilience-grant-${user.id}` });
    const job = await requestAiJob({ userId: user.id, kind: "RACE_QUESTION", raceId, input: { question: `Where is the start? ${markers[i]}` } });
    return { aiJobId: job.id, userId: user.id, marker: markers[i]! };
  });
}
