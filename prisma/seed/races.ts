import type { StandardField } from "@prisma/client";
import { utcToZonedLocal } from "~/lib/time";
import { demoRaceText } from "~/services/demo-race.server";
import { recordDemoRegistrations, spreadOverDays, type DemoEntry, type DemoTicketType } from "~/services/demo-registrations.server";
import { createDiscountCode, type DiscountCodeInput } from "~/services/discounts.server";
import { createQuestion, setStandardFields } from "~/services/questions.server";
import { changeRaceStatus, createRace } from "~/services/races.server";
import { addPriceTier, createTicketType } from "~/services/ticket-types.server";
import { saveWaiver, updateGuardianAge, waiverInForce } from "~/services/waivers.server";
import { db } from "~/utils/db.server";
import type { QuestionInput } from "~/validation/questions";
import type { RaceInput } from "~/validation/races";
import type { TicketTypeInput } from "~/validation/ticket-types";

const DAY = 24 * 3600 * 1000;
const ZONE = "Europe/Dublin";

type TicketTypeSpec = Omit<TicketTypeInput, "salesStartAt" | "salesEndAt" | "description" | "maxPerOrder"> & {
  description?: string;
  earlyBird?: { label: string; priceMinor: number; endsAt: Date };
};

/** Everything an organiser would set up for one race, in the words they would type it. */
export type RaceSpec = {
  slug: string;
  race: Omit<RaceInput, "slug" | "startsAt" | "registrationOpensAt" | "registrationClosesAt"> & { startsAt: Date; registrationClosesAt?: Date };
  ticketTypes: TicketTypeSpec[];
  standardFields: StandardField[];
  questions: QuestionInput[];
  waiver: { title: string; text: string; guardianUnderAge: number };
  codes: Omit<DiscountCodeInput, "ticketTypeIds" | "validFrom" | "validUntil">[];
  /** The registrations it already had before the demo starts, by ticket type (in `ticketTypes` order). */
  history: (types: DemoTicketType[], questionIds: string[]) => DemoEntry[];
};

export type SeededRace = { id: string; slug: string; name: string; created: boolean; ticketTypes: { id: string; name: string }[] };

/** A race day at a given local hour, `days` from now. */
function raceDay(now: Date, days: number, hour: number) {
  const day = new Date(now.getTime() + days * DAY);
  day.setUTCHours(hour, 0, 0, 0);
  return day;
}

const raceDefaults = { currency: "EUR" as const, taxMode: "NONE" as const, taxRatePercent: 0, holdMinutes: 30, timeZone: ZONE };

/** The flagship: three distances, an early-bird price, custom questions, a waiver with a guardian age, a code. */
export function riversideHalf(now: Date): RaceSpec {
  return {
    slug: "riverside-half-marathon",
    race: {
      ...raceDefaults,
      name: "Riverside Half Marathon",
      description: demoRaceText.description,
      faq: demoRaceText.faq,
      location: "Riverside Park, Main Gate",
      startsAt: raceDay(now, 45, 8),
      registrationClosesAt: raceDay(now, 43, 20),
    },
    ticketTypes: [
      { name: "5K", description: "One lap of the park; open from age 10.", priceMinor: 2000, capacity: 300, minAge: 10, bibRangeStart: 1, bibRangeEnd: 999, sortOrder: 0 },
      { name: "10K", description: "The river path out and back.", priceMinor: 3200, capacity: 400, minAge: 14, bibRangeStart: 1000, bibRangeEnd: 2999, sortOrder: 1 },
      {
        name: "Half marathon",
        description: "Two laps and the climb. Pacers for 1:30, 1:45 and 2:00.",
        priceMinor: 4500,
        capacity: 600,
        minAge: 18,
        bibRangeStart: 3000,
        bibRangeEnd: 4999,
        sortOrder: 2,
        earlyBird: { label: "Early bird", priceMinor: 3900, endsAt: raceDay(now, 14, 22) },
      },
    ],
    standardFields: ["DATE_OF_BIRTH", "GENDER", "EMERGENCY_CONTACT", "CLUB", "TSHIRT_SIZE"],
    questions: [
      { label: "How did you hear about the race?", kind: "CHOICE", options: ["Friend", "Club", "Social media", "Other"], required: false },
      { label: "I'd like to run with a pacer", kind: "CHECKBOX", options: [], required: false },
      { label: "Expected finish time (for your start wave)", kind: "TEXT", options: [], required: false },
    ],
    waiver: { title: "Participant waiver", text: demoRaceText.waiver, guardianUnderAge: 18 },
    codes: [{ code: "RIVERSIDE10", kind: "PERCENT", amount: 10, maxRedemptions: 100, perUserLimit: 1 }],
    history: (types, [heard, pacer]) =>
      spreadOverDays(200, 21, now).map((paidAt, i) => ({
        ticketType: types[[0, 1, 1, 2, 2][i % 5]!]!,
        paidAt,
        answers: { [heard!]: ["Friend", "Club", "Social media", "Other"][i % 4]!, [pacer!]: i % 3 === 0 },
      })),
  };
}

/** Nearly sold out: the 12K is gone (its waiting list shows), four places left on the 6K. */
export function harbourNightTrail(now: Date): RaceSpec {
  return {
    slug: "harbour-night-trail",
    race: {
      ...raceDefaults,
      name: "Harbour Night Trail",
      description: "Head torches on: a trail run along the cliffs and back to the harbour lights.\n\n- Mandatory head torch and whistle\n- Soup and music at the finish",
      faq: "**Is there a cut-off?** Two hours for the 12K.",
      location: "Harbour Square",
      startsAt: raceDay(now, 24, 19),
    },
    ticketTypes: [
      { name: "Trail 12K", priceMinor: 3500, capacity: 60, minAge: 16, bibRangeStart: 1, bibRangeEnd: 499, sortOrder: 0 },
      { name: "Trail 6K", priceMinor: 2500, capacity: 40, minAge: 12, bibRangeStart: 500, bibRangeEnd: 999, sortOrder: 1 },
    ],
    standardFields: ["DATE_OF_BIRTH", "EMERGENCY_CONTACT"],
    questions: [],
    waiver: { title: "Night trail waiver", text: "Trail running at night carries risks of falls and getting lost. I will carry a head torch and a whistle and follow the marked course.", guardianUnderAge: 18 },
    codes: [],
    history: ([long, short]) => spreadOverDays(96, 12, now).map((paidAt, i) => ({ ticketType: i < 60 ? long! : short!, paidAt })),
  };
}

/** Behind a virtual queue (the queue step sets it to open a few minutes after the seed runs). */
export function cityLights10k(now: Date): RaceSpec {
  return {
    slug: "city-lights-10k",
    race: {
      ...raceDefaults,
      name: "City Lights 10K",
      description: "The city's streets closed for one evening. Popular: registration opens through a fair queue.",
      faq: "",
      location: "City Hall Plaza",
      startsAt: raceDay(now, 70, 18),
    },
    ticketTypes: [{ name: "10K", priceMinor: 3500, capacity: 500, minAge: 14, bibRangeStart: 1, bibRangeEnd: 999, sortOrder: 0 }],
    standardFields: ["DATE_OF_BIRTH", "EMERGENCY_CONTACT"],
    questions: [],
    waiver: { title: "Entry waiver", text: "I take part at my own risk and confirm I am fit to run 10 kilometres.", guardianUnderAge: 18 },
    codes: [],
    history: () => [],
  };
}

/** Registered and checked in before it was run: it starts as a future race (only those can be published). */
export function autumnPark5k(now: Date): RaceSpec {
  return {
    slug: "autumn-park-5k",
    race: { ...raceDefaults, name: "Autumn Park 5K", description: "A friendly 5K around the park lake.", faq: "", location: "Park Lake Café", startsAt: raceDay(now, 1, 9) },
    ticketTypes: [{ name: "5K", priceMinor: 1500, capacity: 150, minAge: 8, bibRangeStart: 1, bibRangeEnd: 999, sortOrder: 0 }],
    standardFields: ["DATE_OF_BIRTH", "EMERGENCY_CONTACT"],
    questions: [],
    waiver: { title: "Entry waiver", text: "I take part at my own risk and confirm I am fit to run 5 kilometres.", guardianUnderAge: 16 },
    codes: [],
    history: ([fiveK]) => spreadOverDays(64, 30, new Date(now.getTime() - 10 * DAY)).map((paidAt) => ({ ticketType: fiveK!, paidAt })),
  };
}

async function existingRace(slug: string) {
  return db.race.findUnique({ where: { slug }, select: { id: true, slug: true, name: true, status: true, ticketTypes: { orderBy: { sortOrder: "asc" }, select: { id: true, name: true } } } });
}

/**
 * Creates and publishes the race through the organiser's services, as the organiser pages would, then records its
 * history of registrations. Once published it is left alone on later runs; a draft left by an interrupted run is
 * removed and built again, so a rerun never finds half a race.
 */
export async function seedRace(organisationId: string, actorId: string, spec: RaceSpec, peopleOffset: number): Promise<SeededRace> {
  const found = await existingRace(spec.slug);
  if (found && found.status !== "DRAFT") return { ...found, created: false };
  if (found) await db.race.delete({ where: { id: found.id } });

  const local = (at: Date | undefined) => (at ? utcToZonedLocal(at, spec.race.timeZone) : undefined);
  const race = await createRace(organisationId, actorId, {
    ...spec.race,
    slug: spec.slug,
    startsAt: local(spec.race.startsAt)!,
    registrationClosesAt: local(spec.race.registrationClosesAt),
  });
  const actor = { raceId: race.id, actorId };
  const types: (DemoTicketType & { name: string })[] = [];
  for (const { earlyBird, ...input } of spec.ticketTypes) {
    const { id } = await createTicketType(actor, { description: "", maxPerOrder: 10, salesStartAt: null, salesEndAt: null, ...input });
    if (earlyBird) await addPriceTier(actor, id, earlyBird);
    types.push({ id, name: input.name, priceMinor: input.priceMinor, bibRangeStart: input.bibRangeStart });
  }
  await setStandardFields(actor, spec.standardFields);
  const questionIds: string[] = [];
  for (const question of spec.questions) questionIds.push((await createQuestion(actor, question)).id);
  await saveWaiver({ ...actor, title: spec.waiver.title, text: spec.waiver.text });
  await updateGuardianAge({ ...actor, guardianUnderAge: spec.waiver.guardianUnderAge });
  for (const code of spec.codes) await createDiscountCode({ ...actor, input: { ...code, ticketTypeIds: [], validFrom: null, validUntil: null } });

  const waiver = (await waiverInForce(race.id))!;
  const entries = spec.history(types, questionIds);
  if (entries.length) {
    await db.$transaction((tx) => recordDemoRegistrations(tx, { raceId: race.id, currency: spec.race.currency, waiver, peopleOffset }, entries), { timeout: 60_000 });
  }
  await changeRaceStatus(race.id, actorId, "publish");
  return { id: race.id, slug: race.slug, name: spec.race.name, created: true, ticketTypes: types.map(({ id, name }) => ({ id, name })) };
}
