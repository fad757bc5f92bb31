import { Prisma } from "@prisma/client";
import type { ParticipantAnswers } from "~/validation/participant-answers";
import { ageOnRaceDay } from "~/utils/age";
import { db } from "~/utils/db.server";
import { orderTotals } from "~/utils/order-totals";
import { evaluateDiscount } from "./discounts.server";
import { announceOrderChange } from "./orders.server";
import { waiverInForce } from "./waivers.server";

export class CheckoutError extends Error {
  constructor(
    message: string,
    readonly field: string = "form",
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
    this.name = "CheckoutError";
  }
}

/** Everything the checkout page shows: the pending order, its tickets and their participants, the race's form. */
export async function checkoutState(orderId: string, buyerId: string) {
  const order = await db.order.findFirst({
    where: { id: orderId, buyerId },
    select: {
      id: true,
      status: true,
      currency: true,
      subtotalMinor: true,
      discountMinor: true,
      taxMinor: true,
      totalMinor: true,
      holdExpiresAt: true,
      discountCodeId: true,
      race: {
        select: {
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
        },
      },
      tickets: {
        where: { status: "HELD" },
        orderBy: { createdAt: "asc" },
        select: {
          id: true,
          priceMinor: true,
          ticketType: { select: { id: true, name: true, minAge: true } },
          participant: {
            select: {
              firstName: true,
              lastName: true,
              email: true,
              dateOfBirth: true,
              gender: true,
              emergencyName: true,
              emergencyPhone: true,
              club: true,
              tshirtSize: true,
              answers: true,
              waiverSignature: { select: { signedName: true, guardianName: true, waiverVersionId: true } },
            },
          },
        },
      },
    },
  });
  if (!order) throw new Response("Not found", { status: 404 });
  const [waiver, code] = await Promise.all([
    waiverInForce(order.race.id),
    order.discountCodeId ? db.discountCode.findUnique({ where: { id: order.discountCodeId }, select: { code: true } }) : null,
  ]);
  return { order, waiver, appliedCode: code?.code ?? null };
}

function normaliseName(name: string) {
  return name.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();
}

async function pendingOrder(orderId: string, buyerId: string, now = new Date()) {
  const order = await db.order.findFirst({ where: { id: orderId, buyerId }, select: { id: true, status: true, holdExpiresAt: true, raceId: true } });
  if (!order) throw new CheckoutError("Not found", "form", 404);
  if (order.status !== "PENDING") throw new CheckoutError("This checkout is no longer open.", "form", 409);
  if (order.holdExpiresAt && order.holdExpiresAt <= now) throw new CheckoutError("Your hold has run out. Start again from the race page.", "form", 409);
  return order;
}

export type ParticipantSubmission = {
  orderId: string;
  buyerId: string;
  ticketId: string;
  participant: ParticipantAnswers;
  signedName: string;
  guardianName?: string;
  ip: string | null;
  userAgent: string | null;
};

/**
 * Saves one ticket's participant and their signature of the waiver in force (version, hash, time, IP,
 * user agent) in one transaction. Checks age on race day against the ticket type's minimum and asks a
 * guardian to sign for a minor. Saving again replaces both, so a buyer can correct a mistake.
 */
export async function saveParticipant(input: ParticipantSubmission) {
  const order = await pendingOrder(input.orderId, input.buyerId);
  const ticket = await db.ticket.findFirst({
    where: { id: input.ticketId, orderId: order.id, status: "HELD" },
    select: { id: true, raceId: true, ticketType: { select: { name: true, minAge: true } }, race: { select: { startsAt: true, timeZone: true, guardianUnderAge: true } } },
  });
  if (!ticket) throw new CheckoutError("That ticket is not part of this checkout.", "form", 404);
  const waiver = await waiverInForce(ticket.raceId);
  if (!waiver) throw new CheckoutError("The organiser has not published a waiver yet, so registration cannot be completed.", "form", 409);

  const { participant } = input;
  const age = participant.dateOfBirth ? ageOnRaceDay(participant.dateOfBirth, ticket.race.startsAt, ticket.race.timeZone) : null;
  if (ticket.ticketType.minAge) {
    if (age === null) throw new CheckoutError(`Enter the date of birth: ${ticket.ticketType.name} has a minimum age.`, "dateOfBirth");
    if (age < ticket.ticketType.minAge) {
      throw new CheckoutError(`${ticket.ticketType.name} is for ages ${ticket.ticketType.minAge} and over on race day; this participant will be ${age}.`, "dateOfBirth");
    }
  }
  const minor = age !== null && age < ticket.race.guardianUnderAge;
  const fullName = `${participant.firstName} ${participant.lastName}`;
  if (normaliseName(input.signedName) !== normaliseName(fullName)) {
    throw new CheckoutError(`Type the participant's full name, ${fullName}, to sign the waiver.`, "signedName");
  }
  const guardianName = input.guardianName?.trim() || null;
  if (minor && !guardianName) throw new CheckoutError(`The participant is under ${ticket.race.guardianUnderAge} on race day: a parent or guardian must sign too.`, "guardianName");

  const fields = {
    firstName: participant.firstName,
    lastName: participant.lastName,
    email: participant.email,
    dateOfBirth: participant.dateOfBirth ?? null,
    gender: participant.gender ?? null,
    emergencyName: participant.emergencyName ?? null,
    emergencyPhone: participant.emergencyPhone ?? null,
    club: participant.club ?? null,
    tshirtSize: participant.tshirtSize ?? null,
    answers: participant.answers as Prisma.InputJsonObject,
  };
  const signature = {
    waiverVersionId: waiver.id,
    contentHash: waiver.contentHash,
    signedName: input.signedName.trim(),
    guardianName: minor ? guardianName : null,
    signedAt: new Date(),
    ip: input.ip,
    userAgent: input.userAgent?.slice(0, 500) ?? null,
  };
  await db.$transaction(async (tx) => {
    const saved = await tx.participant.upsert({
      where: { ticketId: ticket.id },
      create: { ticketId: ticket.id, raceId: ticket.raceId, ...fields },
      update: fields,
      select: { id: true },
    });
    await tx.waiverSignature.upsert({ where: { participantId: saved.id }, create: { participantId: saved.id, ...signature }, update: signature });
  });
}

/** Recomputes the order's totals from its tickets, discount and the race's tax setting. */
async function refreshTotals(tx: Prisma.TransactionClient, orderId: string, discountMinor: number, discountCodeId: string | null) {
  const order = await tx.order.findUniqueOrThrow({
    where: { id: orderId },
    select: { tickets: { where: { status: "HELD" }, select: { priceMinor: true } }, race: { select: { taxMode: true, taxRateBps: true } } },
  });
  const totals = orderTotals({ prices: order.tickets.map((t) => t.priceMinor), discountMinor, taxMode: order.race.taxMode, taxRateBps: order.race.taxRateBps });
  await tx.order.update({
    where: { id: orderId },
    data: { discountCodeId, subtotalMinor: totals.subtotalMinor, discountMinor: totals.discountMinor, taxMinor: totals.taxMinor, feeMinor: totals.feeMinor, totalMinor: totals.totalMinor },
  });
}

/** Applies a discount code to the pending order, or explains why it does not apply. */
export async function applyDiscountCode({ orderId, buyerId, buyerEmail, code }: { orderId: string; buyerId: string; buyerEmail: string; code: string }) {
  const order = await pendingOrder(orderId, buyerId);
  const tickets = await db.ticket.findMany({ where: { orderId, status: "HELD" }, select: { ticketTypeId: true, priceMinor: true } });
  const lines = new Map<string, { ticketTypeId: string; priceMinor: number; quantity: number }>();
  for (const t of tickets) {
    const key = `${t.ticketTypeId}:${t.priceMinor}`;
    const line = lines.get(key) ?? { ticketTypeId: t.ticketTypeId, priceMinor: t.priceMinor, quantity: 0 };
    line.quantity += 1;
    lines.set(key, line);
  }
  const result = await evaluateDiscount({ raceId: order.raceId, code, email: buyerEmail, lines: [...lines.values()], now: new Date() });
  if (!result.ok) throw new CheckoutError(result.message, "code");
  await db.$transaction((tx) => refreshTotals(tx, orderId, result.discountMinor, result.codeId));
  await announceOrderChange(orderId);
  return result;
}

export async function removeDiscountCode({ orderId, buyerId }: { orderId: string; buyerId: string }) {
  await pendingOrder(orderId, buyerId);
  await db.$transaction((tx) => refreshTotals(tx, orderId, 0, null));
}

/** Tickets of the order still missing a participant or a signature of the waiver in force. */
export async function incompleteTickets(orderId: string) {
  const order = await db.order.findUniqueOrThrow({ where: { id: orderId }, select: { raceId: true } });
  const waiver = await waiverInForce(order.raceId);
  const tickets = await db.ticket.findMany({
    where: { orderId, status: "HELD" },
    orderBy: { createdAt: "asc" },
    select: { id: true, participant: { select: { waiverSignature: { select: { waiverVersionId: true } } } } },
  });
  return tickets
    .map((ticket, index) => ({ ticketId: ticket.id, position: index + 1, signed: ticket.participant?.waiverSignature?.waiverVersionId === waiver?.id }))
    .filter((ticket) => !ticket.signed);
}

/** 404 unless the order is this buyer's. */
export async function requireBuyersOrder(orderId: string, buyerId: string) {
  const order = await db.order.findFirst({ where: { id: orderId, buyerId }, select: { id: true } });
  if (!order) throw new Response("Not found", { status: 404 });
}

export { pendingOrder };
