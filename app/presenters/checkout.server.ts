import type { Prisma } from "@prisma/client";
import { NotFoundError } from "~/lib/errors";
import { db } from "~/utils/db.server";
import { orderSummarySelect } from "./orders.server";
import { fillableBy } from "~/services/checkout.server";
import { participantDetailsSelect } from "~/services/participants.server";
import { waiverInForce } from "~/services/waivers.server";

const raceFormSelect = {
  id: true,
  name: true,
  slug: true,
  startsAt: true,
  timeZone: true,
  taxMode: true,
  taxRateBps: true,
  guardianUnderAge: true,
  standardFields: true,
  questions: { where: { archivedAt: null }, orderBy: { sortOrder: "asc" }, select: { id: true, label: true, kind: true, options: true, required: true } },
} satisfies Prisma.RaceSelect;

/** The race's participant form (standard fields and questions) for an order, without the rest of the checkout. */
export async function participantFormOfOrder(orderId: string) {
  const order = await db.order.findUnique({
    where: { id: orderId },
    select: { race: { select: { standardFields: true, questions: raceFormSelect.questions } } },
  });
  if (!order) throw new NotFoundError();
  return order.race;
}

const savedParticipantSelect = {
  ...participantDetailsSelect,
  answers: true,
  waiverSignature: { select: { signedName: true, guardianName: true, waiverVersionId: true } },
} satisfies Prisma.ParticipantSelect;

/** Active members of the rooms these tickets were registered through: the people a ticket can go to. */
async function roomMembers(roomIds: (string | null)[]) {
  const ids = [...new Set(roomIds.filter((id): id is string => id !== null))];
  if (ids.length === 0) return [];
  return db.roomMember.findMany({
    where: { roomId: { in: ids }, leftAt: null },
    orderBy: { joinedAt: "asc" },
    select: { roomId: true, user: { select: { id: true, name: true } } },
  });
}

/** Everything the checkout page shows: the pending order, its tickets and their participants, the race's form. */
export async function checkoutState(orderId: string, buyerId: string) {
  const order = await db.order.findFirst({
    where: { id: orderId, buyerId },
    select: {
      ...orderSummarySelect,
      discountCodeId: true,
      race: { select: raceFormSelect },
      tickets: {
        where: { status: "HELD" },
        orderBy: { createdAt: "asc" },
        select: {
          id: true,
          priceMinor: true,
          ticketType: { select: { id: true, name: true, minAge: true } },
          roomId: true,
          assignee: { select: { id: true, name: true } },
          participant: { select: { waiverSignature: { select: { waiverVersionId: true } } } },
        },
      },
    },
  });
  if (!order) throw new NotFoundError();
  // The buyer sees the details only of the forms they fill in themselves; of a ticket handed to a room
  // member, only who has it and whether they signed (ADR 0022): a member's date of birth, emergency
  // contact and answers are theirs and the organiser's, not the buyer's.
  const ownTicketIds = order.tickets.filter((t) => !t.assignee).map((t) => t.id);
  const [waiver, code, members, ownDetails] = await Promise.all([
    waiverInForce(order.race.id),
    order.discountCodeId ? db.discountCode.findUnique({ where: { id: order.discountCodeId }, select: { code: true } }) : null,
    roomMembers(order.tickets.map((t) => t.roomId)),
    db.participant.findMany({ where: { ticketId: { in: ownTicketIds } }, select: { ticketId: true, ...savedParticipantSelect } }),
  ]);
  const detailsByTicket = new Map(ownDetails.map(({ ticketId, ...details }) => [ticketId, details]));
  const tickets = order.tickets.map(({ participant, ...ticket }) => ({
    ...ticket,
    signedWaiverVersionId: participant?.waiverSignature?.waiverVersionId ?? null,
    participant: ticket.assignee ? null : (detailsByTicket.get(ticket.id) ?? null),
  }));
  return { order: { ...order, tickets }, waiver, appliedCode: code?.code ?? null, members };
}

/**
 * One ticket's participant form, for whoever fills it in: the assignee of an assigned ticket, or the
 * buyer of an unassigned one. Anyone else gets a 404, as if the ticket did not exist.
 */
export async function participantTicketState(orderId: string, ticketId: string, userId: string) {
  const ticket = await db.ticket.findFirst({
    where: { id: ticketId, orderId, status: { in: ["HELD", "ISSUED"] }, ...fillableBy(userId) },
    select: {
      id: true,
      status: true,
      ticketType: { select: { id: true, name: true, minAge: true } },
      participant: { select: savedParticipantSelect },
      order: { select: { id: true, status: true, holdExpiresAt: true, buyerName: true, race: { select: raceFormSelect } } },
    },
  });
  if (!ticket) throw new NotFoundError();
  return { ticket, waiver: await waiverInForce(ticket.order.race.id) };
}

/** 404 unless the order is this buyer's. */
export async function requireBuyersOrder(orderId: string, buyerId: string) {
  const order = await db.order.findFirst({ where: { id: orderId, buyerId }, select: { id: true } });
  if (!order) throw new NotFoundError();
}
