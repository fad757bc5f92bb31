import { Prisma } from "@prisma/client";
import { ticketAssignedEmail } from "~/emails/ticket-assigned";
import type { ParticipantAnswers } from "~/validation/participant-answers";
import { ageOnRaceDay } from "~/lib/age";
import { DomainError } from "~/lib/errors";
import { db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { recordEmail, sendQueued } from "./email.server";
import { notify } from "./notifications.server";
import { announceOrderChange } from "./orders.server";
import { announceRoomChange } from "./room-status.server";
import { waiverInForce } from "./waivers.server";

export class CheckoutError extends DomainError {
  constructor(message: string, field = "form", kind: "invalid" | "not_found" | "conflict" | "upstream" = "invalid") {
    super(kind, message, { field });
    this.name = "CheckoutError";
  }
}

/** Who may fill in a ticket's participant form and sign its waiver. */
export function fillableBy(userId: string) {
  return { OR: [{ assigneeId: userId }, { assigneeId: null, order: { buyerId: userId } }] } satisfies Prisma.TicketWhereInput;
}

function normaliseName(name: string) {
  return name.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();
}

const pendingOrderSelect = { id: true, status: true, holdExpiresAt: true, raceId: true, buyerName: true, buyerEmail: true } satisfies Prisma.OrderSelect;

export function requireOpen<O extends { status: string; holdExpiresAt: Date | null }>(order: O | null, now: Date) {
  if (!order) throw new CheckoutError("Not found", "form", "not_found");
  if (order.status !== "PENDING") throw new CheckoutError("This checkout is no longer open.", "form", "conflict");
  if (order.holdExpiresAt && order.holdExpiresAt <= now) throw new CheckoutError("Your hold has run out. Start again from the race page.", "form", "conflict");
  return order;
}

async function pendingOrder(orderId: string, buyerId: string, now = new Date()) {
  return requireOpen(await db.order.findFirst({ where: { id: orderId, buyerId }, select: pendingOrderSelect }), now);
}

/** The pending order as seen by its buyer or by a room member one of its tickets is assigned to. */
async function pendingOrderFor(orderId: string, userId: string, now = new Date()) {
  const order = await db.order.findFirst({ where: { id: orderId, OR: [{ buyerId: userId }, { tickets: { some: { assigneeId: userId } } }] }, select: pendingOrderSelect });
  return requireOpen(order, now);
}

export type ParticipantSubmission = {
  orderId: string;
  /** The buyer for an unassigned ticket, the assignee for an assigned one. */
  userId: string;
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
  const order = await pendingOrderFor(input.orderId, input.userId);
  const ticket = await db.ticket.findFirst({
    where: { id: input.ticketId, orderId: order.id, status: "HELD", ...fillableBy(input.userId) },
    select: { id: true, raceId: true, roomId: true, assigneeId: true, ticketType: { select: { name: true, minAge: true } }, race: { select: { startsAt: true, timeZone: true, guardianUnderAge: true } } },
  });
  if (!ticket) throw new CheckoutError("That ticket is not part of this checkout.", "form", "not_found");
  const waiver = await waiverInForce(ticket.raceId);
  if (!waiver) throw new CheckoutError("The organiser has not published a waiver yet, so registration cannot be completed.", "form", "conflict");

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
  await Promise.all([announceOrderChange(order.id), announceRoomChange(ticket.roomId)]);
}

/**
 * Hands a room ticket to a member of that room (or back to the buyer with `assigneeId` null), who then
 * fills in the participant form and signs the waiver themselves through their own link. Changing hands
 * drops any details saved so far: the signature must be the new person's own.
 */
export async function assignTicket({ orderId, buyerId, ticketId, assigneeId }: { orderId: string; buyerId: string; ticketId: string; assigneeId: string | null }) {
  const order = await pendingOrder(orderId, buyerId);
  const ticket = await db.ticket.findFirst({
    where: { id: ticketId, orderId: order.id, status: "HELD" },
    select: { id: true, roomId: true, assigneeId: true, ticketType: { select: { name: true } }, race: { select: { name: true } } },
  });
  if (!ticket) throw new CheckoutError("That ticket is not part of this checkout.", "form", "not_found");
  if (!ticket.roomId) throw new CheckoutError("Only tickets registered through a room can go to someone else.", "assigneeId");
  const target = assigneeId === buyerId ? null : assigneeId;
  const member = target
    ? await db.roomMember.findFirst({ where: { roomId: ticket.roomId, userId: target, leftAt: null }, select: { user: { select: { id: true, name: true, email: true } } } })
    : null;
  if (target && !member) throw new CheckoutError("Choose someone who is in your room.", "assigneeId");
  if (ticket.assigneeId === target) return;
  await db.$transaction(async (tx) => {
    await tx.ticket.update({ where: { id: ticket.id }, data: { assigneeId: target } });
    await tx.participant.deleteMany({ where: { ticketId: ticket.id } });
  });
  if (member) await tellAssignee({ orderId: order.id, ticketId: ticket.id, buyerName: order.buyerName, raceName: ticket.race.name, ticketTypeName: ticket.ticketType.name, assignee: member.user });
  await Promise.all([announceOrderChange(order.id), announceRoomChange(ticket.roomId)]);
}

/** Email and a notification with the assignee's own link to their form. */
async function tellAssignee(input: { orderId: string; ticketId: string; buyerName: string; raceName: string; ticketTypeName: string; assignee: { id: string; name: string; email: string } }) {
  const path = participantFormPath(input.orderId, input.ticketId);
  const content = ticketAssignedEmail({
    assigneeName: input.assignee.name,
    buyerName: input.buyerName,
    raceName: input.raceName,
    ticketTypeName: input.ticketTypeName,
    formUrl: `${getEnv().appOrigin}${path}`,
  });
  const email = await recordEmail({ userId: input.assignee.id, to: input.assignee.email, ...content });
  await sendQueued(email.id);
  await notify({
    userId: input.assignee.id,
    kind: "ticket.assigned",
    title: "Fill in your race form",
    body: `${input.buyerName} registered you for ${input.raceName} (${input.ticketTypeName}).`,
    href: path,
    dedupeKey: `ticket-assigned:${input.ticketId}:${input.assignee.id}`,
  });
}

export function participantFormPath(orderId: string, ticketId: string) {
  return `/checkout/${orderId}/participant/${ticketId}`;
}

/** Tickets of the order still missing a participant or a signature of the waiver in force. */
export async function incompleteTickets(orderId: string) {
  const order = await db.order.findUniqueOrThrow({ where: { id: orderId }, select: { raceId: true } });
  const waiver = await waiverInForce(order.raceId);
  const tickets = await db.ticket.findMany({
    where: { orderId, status: "HELD" },
    orderBy: { createdAt: "asc" },
    select: { id: true, assignee: { select: { name: true } }, participant: { select: { waiverSignature: { select: { waiverVersionId: true } } } } },
  });
  return tickets
    .map((ticket, index) => ({
      ticketId: ticket.id,
      position: index + 1,
      assigneeName: ticket.assignee?.name ?? null,
      signed: ticket.participant?.waiverSignature?.waiverVersionId === waiver?.id,
    }))
    .filter((ticket) => !ticket.signed);
}

export { pendingOrder };
