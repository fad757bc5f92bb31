import { z } from "zod";
import { parseMoney } from "~/lib/money";

/**
 * The participant page's two refund forms. The amount is typed in the race currency (empty = refund
 * everything left); `expectedRefundedMinor` is what the page showed as already refunded, so the same
 * form submitted twice is recognised as one refund.
 */
export function refundFormSchema(currency: string) {
  const expectedRefundedMinor = z.coerce.number({ invalid_type_error: "The page was out of date. Reload it and try again." }).int().min(0);
  return z.discriminatedUnion("intent", [
    z.object({ intent: z.literal("refund-ticket") }),
    z.object({
      intent: z.literal("refund-order"),
      expectedRefundedMinor,
      amount: z
        .string()
        .trim()
        .optional()
        .transform((value, ctx) => {
          if (!value) return undefined;
          const minor = parseMoney(value, currency);
          if (minor === null || minor === 0) {
            ctx.addIssue({ code: z.ZodIssueCode.custom, message: `Enter an amount in ${currency} such as 10.00, or leave it empty to refund everything.` });
            return z.NEVER;
          }
          return minor;
        }),
    }),
  ]);
}

export type RefundFormInput = z.output<ReturnType<typeof refundFormSchema>>;
