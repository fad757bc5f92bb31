import { describe, expect, it } from "vitest";
import { refundFormSchema } from "./refunds";

describe("refundFormSchema", () => {
  const schema = refundFormSchema("EUR");

  it("reads a typed amount in the race currency, and an empty one as a full refund", () => {
    expect(schema.parse({ intent: "refund-order", expectedRefundedMinor: "1000", amount: "12,50" })).toEqual({ intent: "refund-order", expectedRefundedMinor: 1000, amount: 1250 });
    expect(schema.parse({ intent: "refund-order", expectedRefundedMinor: "0", amount: " " })).toEqual({ intent: "refund-order", expectedRefundedMinor: 0, amount: undefined });
    expect(schema.parse({ intent: "refund-ticket" })).toEqual({ intent: "refund-ticket" });
  });

  it("refuses amounts that are not money, zero, or more decimals than the currency has", () => {
    for (const amount of ["abc", "0", "1.234", "-5", "1,000.00"]) {
      const result = schema.safeParse({ intent: "refund-order", expectedRefundedMinor: "0", amount });
      expect(result.success, amount).toBe(false);
      if (!result.success) expect(result.error.issues[0]!.message).toMatch(/Enter an amount in EUR/);
    }
    expect(refundFormSchema("JPY").safeParse({ intent: "refund-order", expectedRefundedMinor: "0", amount: "10.5" }).success).toBe(false);
  });

  it("refuses a form without the page's refunded-so-far value or with an unknown intent", () => {
    expect(schema.safeParse({ intent: "refund-order", amount: "10" }).success).toBe(false);
    expect(schema.safeParse({ intent: "refund-everything" }).success).toBe(false);
  });
});
