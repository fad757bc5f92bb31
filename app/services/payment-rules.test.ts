import { describe, expect, it } from "vitest";
import { paymentMismatch, type OrderToPay, type PaidSession } from "./payment-rules";

const order = (overrides: Partial<OrderToPay> = {}): OrderToPay => ({ status: "PENDING", stripeSessionId: "cs_1", currency: "EUR", totalMinor: 5400, taxMode: "NONE", ...overrides });
const paid = (overrides: Partial<PaidSession> = {}): PaidSession => ({ sessionId: "cs_1", currency: "eur", amountTotalMinor: 5400, amountTaxMinor: 0, ...overrides });

describe("paymentMismatch", () => {
  it("accepts the order's current session for its total, whatever the currency's case", () => {
    expect(paymentMismatch(order(), paid())).toBeNull();
    expect(paymentMismatch(order({ status: "EXPIRED" }), paid())).toBeNull();
  });

  it("refuses any other session, and a second session for a paid order", () => {
    expect(paymentMismatch(order(), paid({ sessionId: "cs_old" }))).toBe("not_current_session");
    expect(paymentMismatch(order({ stripeSessionId: null }), paid())).toBe("not_current_session");
    expect(paymentMismatch(order({ status: "PAID" }), paid({ sessionId: "cs_2" }))).toBe("order_already_paid");
    expect(paymentMismatch(order({ status: "REFUNDED" }), paid({ sessionId: "cs_2" }))).toBe("order_already_paid");
  });

  it("refuses another currency or amount, one minor unit off included", () => {
    expect(paymentMismatch(order(), paid({ currency: "usd" }))).toBe("currency_mismatch");
    expect(paymentMismatch(order(), paid({ amountTotalMinor: 5399 }))).toBe("amount_mismatch");
    expect(paymentMismatch(order(), paid({ amountTotalMinor: 5401 }))).toBe("amount_mismatch");
  });

  it("lets Stripe Tax add its tax on top of the order's total, and only then", () => {
    expect(paymentMismatch(order({ taxMode: "STRIPE_TAX" }), paid({ amountTotalMinor: 6534, amountTaxMinor: 1134 }))).toBeNull();
    expect(paymentMismatch(order({ taxMode: "STRIPE_TAX" }), paid({ amountTotalMinor: 6534, amountTaxMinor: 1000 }))).toBe("amount_mismatch");
    expect(paymentMismatch(order({ taxMode: "FIXED_RATE" }), paid({ amountTotalMinor: 6534, amountTaxMinor: 1134 }))).toBe("amount_mismatch");
  });
});
