import type { Prisma } from "@prisma/client";
import { db } from "~/utils/db.server";
import { deliverWebhook, signWebhook, stripeEvent, type StripeDouble } from "../mocks/stripe";
import { createOrganisation, createRace, createTicketType, createUser } from "./factories";
import type { Client } from "./http";
import { loggedIn } from "./session";

/** A published race taking payments, with a waiver in force and one €30 ticket type; `owner` owns its organisation. */
export async function raceForSale({ capacity = 100 }: { capacity?: number } = {}) {
  const { organisation, user: owner } = await createOrganisation();
  const race = await createRace(organisation.id, { status: "PUBLISHED", standardFields: [], holdMinutes: 30 });
  const type = await createTicketType(race.id, { name: "10K", priceMinor: 3000, capacity });
  const waiver = await db.waiverVersion.create({ data: { raceId: race.id, version: 1, title: "Waiver", text: "I accept.", contentHash: "h1" } });
  return { race, type, waiver, owner };
}

export function discountCode(raceId: string, data: Partial<Prisma.DiscountCodeUncheckedCreateInput> = {}) {
  return db.discountCode.create({ data: { raceId, code: "HALF", kind: "PERCENT", amount: 50, ...data } });
}

/**
 * A signed-in buyer holding `quantity` places (through the race page, like a person) whose participants
 * are filled in and have signed the waiver in force, so the order can be paid.
 */
export async function buyerReadyToPay(webUrl: string, sale: Awaited<ReturnType<typeof raceForSale>>, { quantity = 1, buyer }: { quantity?: number; buyer?: { email: string } } = {}) {
  const user = buyer ?? (await createUser());
  const client = await loggedIn(webUrl, user.email);
  const orderId = await holdPlaces(client, sale, quantity);
  return { user, client, orderId };
}

/** Holds places on the race page and fills in every participant; returns the pending order's id. */
export async function holdPlaces(client: Client, { race, type, waiver }: Awaited<ReturnType<typeof raceForSale>>, quantity = 1) {
  const held = await client.post(`/races/${race.slug}`, { [`qty_${type.id}`]: String(quantity) });
  const location = held.headers.get("Location");
  if (held.status !== 302 || !location?.startsWith("/checkout/")) throw new Error(`holding places answered ${held.status} ${location}`);
  const orderId = location.split("/").pop()!;
  const tickets = await db.ticket.findMany({ where: { orderId }, orderBy: { createdAt: "asc" } });
  for (const [i, ticket] of tickets.entries()) {
    await db.participant.create({
      data: {
        ticketId: ticket.id,
        raceId: race.id,
        firstName: `Runner${i}`,
        lastName: "Test",
        email: `runner${i}@example.com`,
        waiverSignature: { create: { waiverVersionId: waiver.id, contentHash: waiver.contentHash, signedName: `Runner${i} Test` } },
      },
    });
  }
  return orderId;
}

/** Presses Pay; returns the order's Checkout Session id. */
export async function pay(client: Client, orderId: string) {
  const response = await client.post(`/checkout/${orderId}`, { intent: "pay" });
  if (response.status !== 302) throw new Error(`pay answered ${response.status}: ${await response.text()}`);
  return (await db.order.findUniqueOrThrow({ where: { id: orderId } })).stripeSessionId!;
}

/** Delivers a signed event about a Checkout Session (as the double holds it now) to the app's webhook. */
export async function deliverSessionEvent(stripe: StripeDouble, webUrl: string, secret: string, type: string, sessionId: string) {
  const payload = JSON.stringify(stripeEvent(type, stripe.session(sessionId)));
  const response = await deliverWebhook(webUrl, payload, signWebhook(payload, secret));
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
  return JSON.parse(payload) as { id: string };
}

/** The buyer pays the session at Stripe and Stripe tells the app. */
export async function completeAndDeliver(stripe: StripeDouble, webUrl: string, secret: string, sessionId: string) {
  const session = stripe.completeSession(sessionId);
  await deliverSessionEvent(stripe, webUrl, secret, "checkout.session.completed", sessionId);
  return session;
}
