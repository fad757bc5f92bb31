import { randomBytes } from "node:crypto";
import type { Prisma } from "@prisma/client";
import { newRowId } from "./hold-statement.server";

const DAY = 24 * 3600 * 1000;

const firstNames = ["Aoife", "Liam", "Maya", "Noah", "Sofia", "Oisín", "Emma", "Lucas", "Zoe", "Jack", "Chloe", "Finn", "Ava", "Leo", "Isla", "Cian", "Nora", "Ethan", "Saoirse", "Omar", "Priya", "Tomás"];
const lastNames = ["Murphy", "Kelly", "Byrne", "Walsh", "Ryan", "O'Brien", "Doyle", "Nolan", "Keane", "Moran", "Lynch", "Farrell", "Kowalski", "Okafor", "Silva"];
const clubs = ["Harbour Harriers", "Riverside Road Runners", "Parkrun Regulars", null, null, null];
const sizes = ["XS", "S", "M", "L", "XL"];

export type DemoTicketType = { id: string; priceMinor: number; bibRangeStart: number | null };

/** One made-up entry: which ticket type, when it was paid, and (optionally) when its participant checked in. */
export type DemoEntry = { ticketType: DemoTicketType; paidAt: Date; checkedInAt?: Date; answers?: Prisma.InputJsonObject };

export type DemoRegistrationTarget = {
  raceId: string;
  currency: string;
  waiver: { id: string; contentHash: string };
  /** Who checked the participants in (for entries with `checkedInAt`). */
  checkedInById?: string;
  /** Makes names and emails differ between races: the nth entry of each race is a different person. */
  peopleOffset?: number;
};

/** A repeatable number in [0, 1) for `n`: the same demo on every run, without a flat or regular look. */
function noise(n: number) {
  const x = Math.sin(n * 12.9898 + 78.233) * 43758.5453;
  return x - Math.floor(x);
}

/**
 * `count` paid dates over the `days` before `until`, oldest first, as sales go: busier towards the end, uneven from
 * day to day, during waking hours. The same dates (relative to `until`) on every call.
 */
export function spreadOverDays(count: number, days: number, until = new Date()) {
  const weights = Array.from({ length: days }, (_, d) => (0.3 + d / days) * (0.4 + noise(d)));
  const total = weights.reduce((sum, w) => sum + w, 0);
  const perDay = weights.map((w) => Math.floor((w / total) * count));
  for (let d = days - 1, left = count - perDay.reduce((sum, n) => sum + n, 0); left > 0; d = (d + days - 1) % days, left--) perDay[d]! += 1;
  const dates: Date[] = [];
  perDay.forEach((n, d) => {
    const dayStart = until.getTime() - (days - d) * DAY;
    for (let k = 0; k < n; k++) dates.push(new Date(dayStart + (7 + noise(d * 100 + k) * 15) * 3600 * 1000));
  });
  return dates.map((at) => (at > until ? new Date(until.getTime() - 60_000) : at)).sort((a, b) => a.getTime() - b.getTime());
}

function person(n: number) {
  const firstName = firstNames[n % firstNames.length]!;
  const lastName = lastNames[(n * 7 + Math.floor(n / firstNames.length)) % lastNames.length]!;
  return {
    firstName,
    lastName,
    email: `${firstName}.${lastName}.${n}@example.com`.normalize("NFKD").replace(/[\u0300-\u036f']/g, "").toLowerCase(),
    dateOfBirth: new Date(Date.UTC(1965 + (n % 38), n % 12, 1 + (n % 27))),
    gender: n % 2 ? "Female" : "Male",
    club: clubs[n % clubs.length] ?? null,
    tshirtSize: sizes[n % sizes.length]!,
  };
}

/**
 * Paid one-ticket orders with issued tickets (the next free bibs of each ticket type's range), participants and
 * waiver signatures, as if people had registered on the given dates: the history a demo race shows on its
 * dashboard and participant list. Written in a few bulk statements; the ticket types' sold counts go up with them.
 * Call inside a transaction.
 */
export async function recordDemoRegistrations(tx: Prisma.TransactionClient, target: DemoRegistrationTarget, entries: DemoEntry[]) {
  const bibs = new Map<string, number>();
  for (const { ticketType } of entries) {
    if (ticketType.bibRangeStart === null || bibs.has(ticketType.id)) continue;
    const top = await tx.ticket.aggregate({ where: { ticketTypeId: ticketType.id }, _max: { bib: true } });
    bibs.set(ticketType.id, Math.max(top._max.bib ?? 0, ticketType.bibRangeStart - 1));
  }
  const orders: Prisma.OrderCreateManyInput[] = [];
  const tickets: Prisma.TicketCreateManyInput[] = [];
  const participants: Prisma.ParticipantCreateManyInput[] = [];
  const signatures: Prisma.WaiverSignatureCreateManyInput[] = [];
  entries.forEach((entry, i) => {
    const who = person(i + (target.peopleOffset ?? 0));
    const [orderId, ticketId, participantId] = [newRowId(), newRowId(), newRowId()];
    const bib = bibs.has(entry.ticketType.id) ? bibs.get(entry.ticketType.id)! + 1 : null;
    if (bib !== null) bibs.set(entry.ticketType.id, bib);
    const price = entry.ticketType.priceMinor;
    const createdAt = new Date(entry.paidAt.getTime() - 4 * 60_000);
    orders.push({ id: orderId, raceId: target.raceId, buyerEmail: who.email, buyerName: `${who.firstName} ${who.lastName}`, status: "PAID", source: "DEMO", currency: target.currency, subtotalMinor: price, totalMinor: price, paidAt: entry.paidAt, createdAt });
    tickets.push({ id: ticketId, orderId, raceId: target.raceId, ticketTypeId: entry.ticketType.id, status: "ISSUED", priceMinor: price, bib, qrToken: randomBytes(16).toString("base64url"), createdAt });
    participants.push({
      id: participantId,
      ticketId,
      raceId: target.raceId,
      ...who,
      emergencyName: "Alex Contact",
      emergencyPhone: "+353 1 555 0100",
      answers: entry.answers ?? {},
      checkedInAt: entry.checkedInAt ?? null,
      checkedInById: entry.checkedInAt ? (target.checkedInById ?? null) : null,
      createdAt,
    });
    signatures.push({ participantId, waiverVersionId: target.waiver.id, signedName: `${who.firstName} ${who.lastName}`, contentHash: target.waiver.contentHash, signedAt: createdAt });
  });
  await tx.order.createMany({ data: orders });
  await tx.ticket.createMany({ data: tickets });
  await tx.participant.createMany({ data: participants });
  await tx.waiverSignature.createMany({ data: signatures });
  const perType = new Map<string, number>();
  for (const { ticketType } of entries) perType.set(ticketType.id, (perType.get(ticketType.id) ?? 0) + 1);
  for (const [id, sold] of perType) await tx.ticketType.update({ where: { id }, data: { soldCount: { increment: sold } } });
  return entries.length;
}
