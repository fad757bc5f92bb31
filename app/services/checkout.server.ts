import { Prisma } from "@prisma/client";
import type { ParticipantAnswers } from "~/validation/participant-answers";
import { ageOnRaceDay } from "~/lib/age";
import { db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { escapeHtml } from "~/lib/html";
import { isStripeApiError, stripeClient } from "~/utils/stripe.server";
import { orderTotals } from "~/lib/order-totals";
import { endCheckoutSession } from "./checkout-sessions.server";
import { evaluateDiscount, holdDiscount, releaseDiscountHold } from "./discounts.server";
import { recordEmail, sendQueued } from "./email.server";
import { notify } from "./notifications.server";
import { announceOrderChange } from "./orders.server";
import { announceRoomChange } from "./room-status.server";
import { waiverInForce } from "./waivers.server";
import { participantDetailsSelect } from "./participants.server";

export class CheckoutError extends Error {
  constructor(
    message: string,
    readonly field: string = "form",
    readonly status: 400 | 404 | 409 | 502 = 400,
  ) {
    super(message);
    this.name = "CheckoutError";
  }
}

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
  if (!order) throw new Response("Not found", { status: 404 });
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
      id: true,
      status: true,
      currency: true,
      subtotalMinor: true,
      discountMinor: true,
      taxMinor: true,
      totalMinor: true,
      holdExpiresAt: true,
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
  if (!order) throw new Response("Not found", { status: 404 });
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
  if (!ticket) throw new Response("Not found", { status: 404 });
  return { ticket, waiver: await waiverInForce(ticket.order.race.id) };
}

/** Who may fill in a ticket's participant form and sign its waiver. */
function fillableBy(userId: string) {
  return { OR: [{ assigneeId: userId }, { assigneeId: null, order: { buyerId: userId } }] } satisfies Prisma.TicketWhereInput;
}

function normaliseName(name: string) {
  return name.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();
}

const pendingOrderSelect = { id: true, status: true, holdExpiresAt: true, raceId: true, buyerName: true, buyerEmail: true } satisfies Prisma.OrderSelect;

export function requireOpen<O extends { status: string; holdExpiresAt: Date | null }>(order: O | null, now: Date) {
  if (!order) throw new CheckoutError("Not found", "form", 404);
  if (order.status !== "PENDING") throw new CheckoutError("This checkout is no longer open.", "form", 409);
  if (order.holdExpiresAt && order.holdExpiresAt <= now) throw new CheckoutError("Your hold has run out. Start again from the race page.", "form", 409);
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
  if (!ticket) throw new CheckoutError("That ticket is not part of this checkout.", "form", 404);
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
  const url = `${getEnv().appOrigin}${path}`;
  const what = `${input.raceName} (${input.ticketTypeName})`;
  const email = await recordEmail({
    userId: input.assignee.id,
    kind: "ticket_assigned",
    to: input.assignee.email,
    subject: `${input.buyerName} registered you for ${input.raceName}`,
    text: `Hi ${input.assignee.name},\n\n${input.buyerName} is registering your room for ${what}. Fill in your participant details and sign the waiver before they pay:\n${url}`,
    html: `<p>Hi ${escapeHtml(input.assignee.name)},</p><p>${escapeHtml(input.buyerName)} is registering your room for <strong>${escapeHtml(what)}</strong>. Fill in your participant details and sign the waiver before they pay:</p><p><a href="${url}">Fill in your form</a></p>`,
  });
  await sendQueued(email.id);
  await notify({
    userId: input.assignee.id,
    kind: "ticket.assigned",
    title: "Fill in your race form",
    body: `${input.buyerName} registered you for ${what}.`,
    href: path,
    dedupeKey: `ticket-assigned:${input.ticketId}:${input.assignee.id}`,
  });
}

export function participantFormPath(orderId: string, ticketId: string) {
  return `/checkout/${orderId}/participant/${ticketId}`;
}

/**
 * Ends a Checkout Session so that it can no longer be paid. One that has already expired needs nothing;
 * one that was paid meanwhile refuses the change (its payment is for the current total and will be
 * fulfilled). In demo mode there is no Stripe session: forgetting the id is enough.
 */
async function expireCheckoutSession(sessionId: string) {
  const stripe = stripeClient();
  if (!stripe) return;
  let ended;
  try {
    ended = await endCheckoutSession(stripe, sessionId);
  } catch (error) {
    if (!isStripeApiError(error)) throw error;
    throw new CheckoutError(`The payment provider did not confirm that your open payment page was closed (${error.message}). Try again in a moment.`, "form", 502);
  }
  if (ended === "complete") throw new CheckoutError("This order has just been paid, so it can no longer change. Your confirmation is on its way.", "form", 409);
}

type TotalsChange = {
  discountMinor: number;
  discountCodeId: string | null;
  /** Holds or gives back the code's use, inside the same transaction (a refusal rolls everything back). */
  apply: (tx: Prisma.TransactionClient) => Promise<void>;
};

/**
 * Changes what a pending order costs, in one transaction that locks the order row (payment and fulfilment
 * take the same lock). When the total changes, the Checkout Session opened for the old total is expired at
 * Stripe first and forgotten, so it can never be paid and the next Pay opens a session for the new total
 * (ADR 0023). The session is expired before the code's use is taken, so no code row stays locked while
 * Stripe answers.
 */
async function changeTotals(orderId: string, buyerId: string, change: TotalsChange) {
  await db.$transaction(
    async (tx) => {
      const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Order" WHERE id = ${orderId} AND "buyerId" = ${buyerId} FOR UPDATE`;
      const order = requireOpen(
        locked
          ? await tx.order.findUniqueOrThrow({
              where: { id: orderId },
              select: {
                status: true,
                holdExpiresAt: true,
                totalMinor: true,
                stripeSessionId: true,
                tickets: { where: { status: "HELD" }, select: { priceMinor: true } },
                race: { select: { taxMode: true, taxRateBps: true } },
              },
            })
          : null,
        new Date(),
      );
      const totals = orderTotals({ prices: order.tickets.map((t) => t.priceMinor), discountMinor: change.discountMinor, taxMode: order.race.taxMode, taxRateBps: order.race.taxRateBps });
      const forgetSession = order.stripeSessionId !== null && totals.totalMinor !== order.totalMinor;
      if (forgetSession) await expireCheckoutSession(order.stripeSessionId!);
      await change.apply(tx);
      await tx.order.update({
        where: { id: orderId },
        data: {
          discountCodeId: change.discountCodeId,
          subtotalMinor: totals.subtotalMinor,
          discountMinor: totals.discountMinor,
          taxMinor: totals.taxMinor,
          feeMinor: totals.feeMinor,
          totalMinor: totals.totalMinor,
          ...(forgetSession ? { stripeSessionId: null } : {}),
        },
      });
    },
    { timeout: 30_000, maxWait: 10_000 },
  );
  await announceOrderChange(orderId);
}

/**
 * Applies a discount code to the pending order, or explains why it does not apply. The code's use is held
 * for the order from now on (counted against its maximum and the buyer's limit) until the order is paid,
 * its hold runs out, it is cancelled or the code is removed (ADR 0023).
 */
export async function applyDiscountCode({ orderId, buyerId, code }: { orderId: string; buyerId: string; code: string }) {
  const order = await pendingOrder(orderId, buyerId);
  const tickets = await db.ticket.findMany({ where: { orderId, status: "HELD" }, select: { ticketTypeId: true, priceMinor: true } });
  const lines = new Map<string, { ticketTypeId: string; priceMinor: number; quantity: number }>();
  for (const t of tickets) {
    const key = `${t.ticketTypeId}:${t.priceMinor}`;
    const line = lines.get(key) ?? { ticketTypeId: t.ticketTypeId, priceMinor: t.priceMinor, quantity: 0 };
    line.quantity += 1;
    lines.set(key, line);
  }
  // Read-only first: a code that does not apply is refused without touching the order or its payment page.
  const result = await evaluateDiscount({ raceId: order.raceId, code, email: order.buyerEmail, lines: [...lines.values()], now: new Date(), orderId });
  if (!result.ok) throw new CheckoutError(result.message, "code");
  await changeTotals(orderId, buyerId, {
    discountMinor: result.discountMinor,
    discountCodeId: result.codeId,
    apply: async (tx) => {
      const held = await holdDiscount(tx, { codeId: result.codeId, orderId, email: order.buyerEmail, userId: buyerId });
      if (held.status === "used_up" || held.status === "per_user_limit") throw new CheckoutError(held.message, "code");
    },
  });
  return result;
}

/** Takes the code off the pending order and gives its held use back. */
export async function removeDiscountCode({ orderId, buyerId }: { orderId: string; buyerId: string }) {
  await pendingOrder(orderId, buyerId);
  await changeTotals(orderId, buyerId, { discountMinor: 0, discountCodeId: null, apply: (tx) => releaseDiscountHold(tx, orderId).then(() => undefined) });
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

/** 404 unless the order is this buyer's. */
export async function requireBuyersOrder(orderId: string, buyerId: string) {
  const order = await db.order.findFirst({ where: { id: orderId, buyerId }, select: { id: true } });
  if (!order) throw new Response("Not found", { status: 404 });
}

export { pendingOrder };
