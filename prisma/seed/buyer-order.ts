import { saveParticipant } from "~/services/checkout.server";
import { fulfilOrder } from "~/services/fulfilment.server";
import { reservePlaces } from "~/services/reservations.server";
import { db } from "~/utils/db.server";
import type { DemoUser } from "./accounts";
import type { SeededRace } from "./races";

/**
 * The demo buyer's confirmed order: Ben registers himself for the half (at the early-bird price) and his daughter,
 * 12 on race day, for the 5K with his signature as her guardian. It goes the way a buyer's does: places held, one
 * form and waiver signature per participant, then the demo payment (a payment session of the order, as the demo
 * payment page records it) fulfilled by the same service the worker runs for a paid Checkout Session: bibs, QR
 * tickets, confirmation email in the outbox, a notification.
 */
export async function seedBuyerOrder(race: SeededRace, buyer: DemoUser, now: Date) {
  const paid = await db.order.findFirst({ where: { raceId: race.id, buyerId: buyer.id, status: "PAID" }, select: { id: true } });
  if (paid) return paid;
  const byName = (name: string) => race.ticketTypes.find((type) => type.name === name)!.id;
  const order = await reservePlaces({
    raceId: race.id,
    buyer,
    lines: [
      { ticketTypeId: byName("Half marathon"), quantity: 1 },
      { ticketTypeId: byName("5K"), quantity: 1 },
    ],
    now,
  });
  const tickets = await db.ticket.findMany({ where: { orderId: order.id }, select: { id: true, ticketType: { select: { name: true } } } });
  const [first, last] = buyer.name.split(" ") as [string, string];
  const participants = {
    "Half marathon": { firstName: first, lastName: last, email: buyer.email, dateOfBirth: new Date(Date.UTC(1986, 3, 12)), gender: "Male", club: "Harbour Harriers", tshirtSize: "L", answers: {} },
    "5K": { firstName: "Ruby", lastName: last, email: buyer.email, dateOfBirth: new Date(Date.UTC(now.getUTCFullYear() - 12, 0, 20)), gender: "Female", tshirtSize: "XS", answers: {} },
  } as const;
  for (const ticket of tickets) {
    const participant = participants[ticket.ticketType.name as keyof typeof participants];
    await saveParticipant({
      orderId: order.id,
      userId: buyer.id,
      ticketId: ticket.id,
      participant: { ...participant, answers: {}, emergencyName: "Anna Buyer", emergencyPhone: "+353 87 555 0199" },
      signedName: `${participant.firstName} ${participant.lastName}`,
      guardianName: participant.firstName === first ? undefined : buyer.name,
      ip: "127.0.0.1",
      userAgent: "Startline demo seed",
    });
  }
  const session = await db.order.update({ where: { id: order.id }, data: { stripeSessionId: `cs_demo_${order.id}` }, select: { stripeSessionId: true, totalMinor: true, taxMinor: true, currency: true } });
  const result = await fulfilOrder({ orderId: order.id, stripeSessionId: session.stripeSessionId!, paymentIntentId: null, amountTotalMinor: session.totalMinor, amountTaxMinor: session.taxMinor, currency: session.currency });
  if (result.outcome !== "fulfilled") throw new Error(`the demo buyer's order was not fulfilled: ${result.outcome}`);
  return { id: order.id };
}
