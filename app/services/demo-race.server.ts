import { randomBytes } from "node:crypto";
import { db } from "~/utils/db.server";
import { recordAudit } from "./audit.server";
import { recordDemoRegistrations, spreadOverDays } from "./demo-registrations.server";
import { waiverContentHash } from "./waiver-hash.server";

const DAY = 24 * 3600 * 1000;

const description = `Two laps of the river path and one climb you'll talk about afterwards.

**What's included**
- Chip timing and live results
- Finisher medal and technical T-shirt
- Water stations every 5 km, hot food at the finish

**Course**: certified, mostly flat, closed to traffic. Pacers for 1:30, 1:45 and 2:00 on the half.`;

const faq = `**Can I transfer my entry?** Yes, until one week before race day, from your order page.
**Is there bag drop?** Yes, free, at the start village from 07:30.
**Are headphones allowed?** Only bone-conduction headphones on the 10K and half.
**Can children run?** The 5K is open from age 10 with a guardian's signature.`;

const waiverText = `I understand that running a race is a strenuous activity with a risk of injury. I confirm I am in good health and have trained for the distance I entered.

I agree to follow the instructions of marshals, medical staff and the race director, and to withdraw if asked to.

I allow the organisers to use photographs taken during the event for race reports.`;

/** The words of a demo road race (markdown where the race editor takes it); the demo seed's flagship race uses them too. */
export const demoRaceText = { description, faq, waiver: waiverText };

/** A realistic race (three distances, early-bird tier, questions, waiver, a code, some entries) to try the product. */
export async function createDemoRace(organisationId: string, actorId: string) {
  const suffix = randomBytes(2).toString("hex");
  const startsAt = new Date(Date.now() + 60 * DAY);
  startsAt.setUTCHours(8, 30, 0, 0);
  return db.$transaction(async (tx) => {
    const race = await tx.race.create({
      data: {
        organisationId,
        name: "Riverside Half Marathon",
        slug: `riverside-half-${suffix}`,
        description,
        faq,
        location: "Riverside Park, Main Gate",
        timeZone: "Europe/Dublin",
        startsAt,
        registrationOpensAt: new Date(),
        registrationClosesAt: new Date(startsAt.getTime() - 2 * DAY),
        currency: "EUR",
        guardianUnderAge: 18,
        standardFields: ["DATE_OF_BIRTH", "GENDER", "EMERGENCY_CONTACT", "CLUB", "TSHIRT_SIZE"],
      },
    });
    const types = await Promise.all(
      [
        { name: "5K", priceMinor: 2000, capacity: 300, minAge: 10, bibRangeStart: 1, bibRangeEnd: 999, sortOrder: 0 },
        { name: "10K", priceMinor: 3000, capacity: 500, minAge: 14, bibRangeStart: 1000, bibRangeEnd: 2999, sortOrder: 1 },
        { name: "Half marathon", priceMinor: 4500, capacity: 800, minAge: 18, bibRangeStart: 3000, bibRangeEnd: 4999, sortOrder: 2 },
      ].map((type) => tx.ticketType.create({ data: { raceId: race.id, maxPerOrder: 10, ...type } })),
    );
    await tx.priceTier.create({ data: { ticketTypeId: types[2]!.id, label: "Early bird", priceMinor: 3900, endsAt: new Date(Date.now() + 14 * DAY) } });
    await tx.raceQuestion.createMany({
      data: [
        { raceId: race.id, label: "How did you hear about the race?", kind: "CHOICE", options: ["Friend", "Club", "Social media", "Other"], required: false, sortOrder: 0 },
        { raceId: race.id, label: "I'd like to run with a pacer", kind: "CHECKBOX", required: false, sortOrder: 1 },
      ],
    });
    const title = "Participant waiver";
    const waiver = await tx.waiverVersion.create({
      data: { raceId: race.id, version: 1, title, text: waiverText, contentHash: waiverContentHash(title, waiverText), createdById: actorId },
    });
    await tx.discountCode.create({ data: { raceId: race.id, code: "RIVERSIDE10", kind: "PERCENT", amount: 10, maxRedemptions: 100, perUserLimit: 1 } });

    const paidDates = spreadOverDays(24, 8);
    await recordDemoRegistrations(
      tx,
      { raceId: race.id, currency: race.currency, waiver },
      paidDates.map((paidAt, i) => ({ ticketType: types[i % 3]!, paidAt })),
    );

    await recordAudit(tx, { organisationId, raceId: race.id, actorId, action: "race.demo_created", entityType: "race", entityId: race.id, changes: { name: race.name } });
    return race;
  });
}
