import type { OrgRole, Prisma } from "@prisma/client";
import { announcePublicRacesChanged } from "~/services/public-races-cache.server";
import { db } from "~/utils/db.server";
import { hashPassword } from "~/utils/password.server";
import { uniqueEmail } from "./http";

export const TEST_PASSWORD = "correct-horse-battery";

/**
 * A user with a known password (hashing is slow, so the hash is computed once per file) and, like an
 * established account, a verified email address (pass `emailVerifiedAt: null` for a new, unverified one).
 */
let passwordHash: Promise<string> | undefined;
export async function createUser(data: Partial<Prisma.UserCreateInput> = {}) {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  return db.user.create({
    data: { email: uniqueEmail("user"), name: "Test User", passwordHash: await passwordHash, emailVerifiedAt: new Date(), ...data },
  });
}

/** An organisation with one member of the given role (a new user unless one is given). */
export async function createOrganisation(role: OrgRole = "OWNER", userId?: string) {
  const user = userId ? await db.user.findUniqueOrThrow({ where: { id: userId } }) : await createUser({ role: "ORGANISER" });
  const organisation = await db.organisation.create({
    data: { name: "Test Running Club", slug: `club-${Math.random().toString(36).slice(2, 10)}` },
  });
  await db.organisationMember.create({ data: { organisationId: organisation.id, userId: user.id, role } });
  return { organisation, user };
}

export async function addMember(organisationId: string, role: OrgRole) {
  const user = await createUser({ role: "ORGANISER" });
  await db.organisationMember.create({ data: { organisationId, userId: user.id, role } });
  return user;
}

/** A race written directly; like the services, it announces the change so running web processes drop cached race lists. */
export async function createRace(organisationId: string, data: Partial<Prisma.RaceUncheckedCreateInput> = {}) {
  const race = await db.race.create({
    data: {
      organisationId,
      name: "Harbour 10K",
      slug: `harbour-10k-${Math.random().toString(36).slice(2, 10)}`,
      startsAt: new Date(Date.now() + 30 * 24 * 3600 * 1000),
      timeZone: "Europe/Dublin",
      location: "Dún Laoghaire Harbour",
      ...data,
    },
  });
  await announcePublicRacesChanged();
  return race;
}

export async function createTicketType(raceId: string, data: Partial<Prisma.TicketTypeUncheckedCreateInput> = {}) {
  return db.ticketType.create({ data: { raceId, name: "10K", priceMinor: 3000, capacity: 100, ...data } });
}

let ticketCounter = 0;
/** A paid order with one issued ticket and its participant, as checkout will produce. */
export async function createParticipant(raceId: string, ticketTypeId: string, data: Partial<Prisma.ParticipantUncheckedCreateInput> = {}, bib?: number) {
  ticketCounter += 1;
  const race = await db.race.findUniqueOrThrow({ where: { id: raceId }, select: { currency: true } });
  const order = await db.order.create({
    data: { raceId, buyerEmail: uniqueEmail("buyer"), buyerName: "Buyer", status: "PAID", currency: race.currency, totalMinor: 3000, subtotalMinor: 3000, paidAt: new Date() },
  });
  const ticket = await db.ticket.create({
    data: { orderId: order.id, raceId, ticketTypeId, status: "ISSUED", priceMinor: 3000, bib: bib ?? null, qrToken: `qr-${Date.now()}-${ticketCounter}-${Math.random().toString(36).slice(2)}` },
  });
  await db.ticketType.update({ where: { id: ticketTypeId }, data: { soldCount: { increment: 1 } } });
  const participant = await db.participant.create({
    data: { ticketId: ticket.id, raceId, firstName: "Pat", lastName: `Runner${ticketCounter}`, email: uniqueEmail("runner"), ...data },
  });
  return { order, ticket, participant };
}
