import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { db } from "~/utils/db.server";
import { formatDateTime } from "~/lib/time";
import { formatMoney } from "~/lib/money";
import { ticketAvailability } from "./race-availability.server";
import { waiverInForce } from "./waivers.server";

export type AiMessages = ChatCompletionMessageParam[];

/** A race description drafted from the organiser's bullet points: facts only from the bullets and the race record. */
export async function raceDescriptionMessages(raceId: string, bullets: string): Promise<AiMessages> {
  const race = await db.race.findUniqueOrThrow({ where: { id: raceId }, select: { name: true, location: true, startsAt: true, timeZone: true } });
  return [
    {
      role: "system",
      content:
        "You write race descriptions for a race registration website. Write 2–4 short, friendly paragraphs in plain Markdown " +
        "(no headings), for runners deciding whether to sign up. Use only the facts given; never invent distances, prices, " +
        "times, prizes or places.",
    },
    {
      role: "user",
      content: `Race: ${race.name}\nWhere: ${race.location}\nStarts: ${formatDateTime(race.startsAt, race.timeZone)} (${race.timeZone})\n\nThe organiser's notes:\n${bullets}`,
    },
  ];
}

/** A plain-language summary of the waiver in force; null when the race has no waiver yet. */
export async function waiverSummaryMessages(raceId: string): Promise<{ messages: AiMessages; waiverVersion: number } | null> {
  const waiver = await waiverInForce(raceId);
  if (!waiver) return null;
  return {
    waiverVersion: waiver.version,
    messages: [
      {
        role: "system",
        content:
          "Summarise a race waiver in plain language for participants: 4–8 short bullet points saying what they agree to, " +
          "what risks they accept and what the organiser is not responsible for. Do not add anything the waiver does not say. " +
          "End with: \"This summary is for convenience; the waiver itself is what you sign.\"",
      },
      { role: "user", content: `Waiver "${waiver.title}" (version ${waiver.version}):\n\n${waiver.text}` },
    ],
  };
}

/** Everything a participant may be told about one race, as plain text: its details, ticket types (price, places left) and FAQ. */
export async function raceFacts(raceId: string, now = new Date()) {
  const race = await db.race.findUniqueOrThrow({
    where: { id: raceId },
    select: { name: true, description: true, faq: true, location: true, startsAt: true, timeZone: true, currency: true, registrationOpensAt: true, registrationClosesAt: true, organisation: { select: { name: true } } },
  });
  const tickets = await ticketAvailability(raceId, now);
  const when = (at: Date | null) => (at ? `${formatDateTime(at, race.timeZone)} (${race.timeZone})` : "not set");
  const ticketLines = tickets.length
    ? tickets.map(
        (t) =>
          `- ${t.name}: ${formatMoney(t.priceMinor, race.currency)}${t.tierLabel ? ` (${t.tierLabel} price)` : ""}; ` +
          `${t.remaining} places left; ${t.onSale ? "on sale now" : "not on sale now"}` +
          `${t.minAge ? `; minimum age ${t.minAge}` : ""}; up to ${t.maxPerOrder} per order${t.description ? `; ${t.description}` : ""}`,
      )
    : ["- (no ticket types yet)"];
  return [
    `Race: ${race.name}`,
    `Organiser: ${race.organisation.name}`,
    `Where: ${race.location}`,
    `Starts: ${when(race.startsAt)}`,
    `Registration opens: ${when(race.registrationOpensAt)}; closes: ${when(race.registrationClosesAt)}`,
    "",
    "Description:",
    race.description || "(none)",
    "",
    "Ticket types:",
    ...ticketLines,
    "",
    "FAQ:",
    race.faq || "(none)",
  ].join("\n");
}

/** A participant's question, answered from this race's data only. */
export async function raceQuestionMessages(raceId: string, question: string): Promise<AiMessages> {
  return [
    {
      role: "system",
      content:
        "You answer questions about one race for people registering for it. Answer ONLY from the race data between " +
        "<race-data> tags. If the answer is not in the data, say so plainly (\"The race information does not say …\") and " +
        "suggest contacting the organiser. Never guess or use outside knowledge. Keep answers short.",
    },
    { role: "user", content: `<race-data>\n${await raceFacts(raceId)}\n</race-data>\n\nQuestion: ${question}` },
  ];
}
