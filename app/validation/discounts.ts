import { z } from "zod";
import { parseMoney } from "~/lib/money";
import { zonedLocalToUtc } from "~/lib/time";

const count = (what: string) =>
  z
    .number({ invalid_type_error: `Enter the ${what} as a whole number` })
    .int(`Enter the ${what} as a whole number`)
    .min(1, `Enter at least 1, or leave empty for no limit`)
    .max(1_000_000, "Enter at most 1,000,000")
    .optional();

const localDateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "Enter a date and time")
  .optional();

/**
 * The create/edit form of a discount code, in the race's currency. Amounts are typed in major units
 * ("5.50") and come out as minor units; dates are wall-clock times in the race's time zone, converted
 * to UTC by the route, which knows the zone.
 */
export function discountCodeSchema(currency: string) {
  return z
    .object({
      code: z
        .string({ required_error: "Enter a code" })
        .trim()
        .toUpperCase()
        .pipe(z.string().regex(/^[A-Z0-9][A-Z0-9_-]{2,31}$/, "Use 3 to 32 letters, digits, - or _")),
      kind: z.enum(["PERCENT", "FIXED"], { required_error: "Choose percent or fixed amount", invalid_type_error: "Choose percent or fixed amount" }),
      // Checked below only for the kind chosen, so a leftover value in the other field never blocks saving.
      percentOff: z.number({ invalid_type_error: "Enter a whole percentage from 1 to 100" }).optional(),
      amountOff: z.string().optional(),
      scope: z.enum(["ALL", "SOME"], { required_error: "Choose which tickets the code applies to" }),
      ticketTypeIds: z.array(z.string()).default([]),
      maxRedemptions: count("maximum number of uses"),
      perUserLimit: count("limit per buyer"),
      validFrom: localDateTime,
      validUntil: localDateTime,
    })
    .superRefine((value, ctx) => {
      const percent = value.percentOff;
      if (value.kind === "PERCENT" && (percent === undefined || !Number.isInteger(percent) || percent < 1 || percent > 100)) {
        ctx.addIssue({ code: "custom", path: ["percentOff"], message: "Enter a whole percentage from 1 to 100" });
      }
      if (value.kind === "FIXED") {
        const minor = value.amountOff === undefined ? null : parseMoney(value.amountOff, currency);
        if (minor === null || minor < 1) {
          ctx.addIssue({ code: "custom", path: ["amountOff"], message: `Enter an amount in ${currency}, like 5 or 5.50` });
        }
      }
      if (value.scope === "SOME" && value.ticketTypeIds.length === 0) {
        ctx.addIssue({ code: "custom", path: ["ticketTypeIds"], message: "Choose at least one ticket type" });
      }
      if (value.validFrom && value.validUntil && value.validUntil <= value.validFrom) {
        ctx.addIssue({ code: "custom", path: ["validUntil"], message: "End after the start" });
      }
      const limits = [value.perUserLimit, value.maxRedemptions];
      const bothValid = limits.every((limit) => limit !== undefined && Number.isInteger(limit) && limit >= 1);
      if (bothValid && value.perUserLimit! > value.maxRedemptions!) {
        ctx.addIssue({ code: "custom", path: ["perUserLimit"], message: "Can't be more than the maximum number of uses" });
      }
    })
    .transform((value) => ({
      code: value.code,
      kind: value.kind,
      amount: value.kind === "PERCENT" ? value.percentOff! : parseMoney(value.amountOff!, currency)!,
      ticketTypeIds: value.scope === "SOME" ? [...new Set(value.ticketTypeIds)] : [],
      maxRedemptions: value.maxRedemptions ?? null,
      perUserLimit: value.perUserLimit ?? null,
      validFrom: value.validFrom ?? null,
      validUntil: value.validUntil ?? null,
    }));
}

export type DiscountCodeForm = z.output<ReturnType<typeof discountCodeSchema>>;

export const codeActiveSchema = z.object({
  codeId: z.string().min(1),
  active: z.enum(["true", "false"]).transform((value) => value === "true"),
});

/** The form's wall-clock times as UTC instants in the race's time zone. */
export function withTimesInZone(value: DiscountCodeForm, timeZone: string) {
  return {
    ...value,
    validFrom: value.validFrom ? zonedLocalToUtc(value.validFrom, timeZone) : null,
    validUntil: value.validUntil ? zonedLocalToUtc(value.validUntil, timeZone) : null,
  };
}
