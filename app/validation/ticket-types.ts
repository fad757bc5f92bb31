import { z } from "zod";
import { minorUnitDigits, parseMoney } from "~/lib/money";
import { zonedLocalToUtc } from "~/lib/time";

/** What a ticket type's amounts and times are read in: the race's currency and time zone. */
export type RaceLocale = { currency: string; timeZone: string };

function price(currency: string, missing: string) {
  const example = minorUnitDigits(currency) === 0 ? "3000" : "30.00";
  return z.string({ required_error: missing }).transform((text, ctx) => {
    const minor = parseMoney(text, currency);
    if (minor === null) {
      ctx.addIssue({ code: "custom", message: `Enter an amount in ${currency}, like ${example}` });
      return z.NEVER;
    }
    return minor;
  });
}

function localTime(timeZone: string) {
  return z.string().transform((text, ctx) => {
    const instant = zonedLocalToUtc(text, timeZone);
    if (!instant) {
      ctx.addIssue({ code: "custom", message: "Enter a date and time, like 2026-05-01 09:00" });
      return z.NEVER;
    }
    return instant;
  });
}

function wholeNumber(label: string, min: number, max: number) {
  return z
    .number({ required_error: `Enter ${label}`, invalid_type_error: `Enter ${label} as a whole number` })
    .int(`Enter ${label} as a whole number`)
    .min(min, `${capitalise(label)} must be at least ${min}`)
    .max(max, `${capitalise(label)} must be at most ${max.toLocaleString("en")}`);
}

function capitalise(text: string) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The create / edit form of a ticket type. Prices are typed in major units, times in the race's zone. */
export function ticketTypeSchema({ currency, timeZone }: RaceLocale) {
  return z
    .object({
      name: z
        .string({ required_error: "Enter a name, like 10K or Half marathon" })
        .trim()
        .min(1, "Enter a name, like 10K or Half marathon")
        .max(60, "Use at most 60 characters"),
      description: z.string().trim().max(500, "Use at most 500 characters").default(""),
      price: price(currency, "Enter the price"),
      capacity: wholeNumber("the capacity", 1, 100_000),
      salesStartAt: localTime(timeZone).optional(),
      salesEndAt: localTime(timeZone).optional(),
      minAge: wholeNumber("a minimum age", 0, 120).optional(),
      maxPerOrder: wholeNumber("the limit per order", 1, 100).default(10),
      bibRangeStart: wholeNumber("the first bib number", 1, 1_000_000).optional(),
      bibRangeEnd: wholeNumber("the last bib number", 1, 1_000_000).optional(),
      sortOrder: wholeNumber("a position", 0, 1000).default(0),
    })
    .superRefine((value, ctx) => {
      if (value.salesStartAt && value.salesEndAt && value.salesEndAt <= value.salesStartAt) {
        ctx.addIssue({ code: "custom", path: ["salesEndAt"], message: "Sales must end after they start" });
      }
      if ((value.bibRangeStart === undefined) !== (value.bibRangeEnd === undefined)) {
        const missing = value.bibRangeStart === undefined ? "bibRangeStart" : "bibRangeEnd";
        ctx.addIssue({ code: "custom", path: [missing], message: "Give both the first and the last bib number, or neither" });
      } else if (value.bibRangeStart !== undefined && value.bibRangeEnd !== undefined && value.bibRangeEnd < value.bibRangeStart) {
        ctx.addIssue({ code: "custom", path: ["bibRangeEnd"], message: "The last bib number must not be below the first" });
      }
    })
    .transform(({ price: priceMinor, ...rest }) => ({
      ...rest,
      priceMinor,
      salesStartAt: rest.salesStartAt ?? null,
      salesEndAt: rest.salesEndAt ?? null,
      minAge: rest.minAge ?? null,
      bibRangeStart: rest.bibRangeStart ?? null,
      bibRangeEnd: rest.bibRangeEnd ?? null,
    }));
}

export type TicketTypeInput = z.output<ReturnType<typeof ticketTypeSchema>>;

/** An early-bird style price that applies until `endsAt`. */
export function priceTierSchema({ currency, timeZone }: RaceLocale) {
  return z
    .object({
      label: z
        .string({ required_error: "Enter a label, like Early bird" })
        .trim()
        .min(1, "Enter a label, like Early bird")
        .max(40, "Use at most 40 characters"),
      price: price(currency, "Enter the tier's price"),
      endsAt: z.string({ required_error: "Enter when this price ends" }).pipe(localTime(timeZone)),
    })
    .transform(({ price: priceMinor, ...rest }) => ({ ...rest, priceMinor }));
}

export type PriceTierInput = z.output<ReturnType<typeof priceTierSchema>>;
