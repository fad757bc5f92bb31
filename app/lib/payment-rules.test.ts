import { describe, expect, it } from "vitest";
import { paymentMismatch, raceRefusal, type OrderToPay, type PaidSession, type RaceOnSale } from "./payment-rules";

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

describe("raceRefusal", () => {
  const now = new Date("2026-12-01T12:00:00Z");
  const before = new Date("2026-12-01T11:59:59Z");
  const after = new Date("2026-12-01T12:00:01Z");
  const race = (overrides: Partial<RaceOnSale> = {}): RaceOnSale => ({ status: "PUBLISHED", registrationClosesAt: null, startsAt: after, ...overrides });
  const onSale = { salesEndAt: null, archivedAt: null };

  it("refuses every payment for a cancelled race, held places or not", () => {
    expect(raceRefusal(race({ status: "CANCELLED" }), [onSale], { late: false, now })).toBe("race_cancelled");
    expect(raceRefusal(race({ status: "CANCELLED" }), [onSale], { late: true, now })).toBe("race_cancelled");
  });

  it("honours a live hold on a race closed meanwhile, by the organiser, its deadline or its start", () => {
    expect(raceRefusal(race({ status: "CLOSED" }), [onSale], { late: false, now })).toBeNull();
    expect(raceRefusal(race({ registrationClosesAt: before }), [onSale], { late: false, now })).toBeNull();
    expect(raceRefusal(race({ startsAt: before }), [{ salesEndAt: before, archivedAt: before }], { late: false, now })).toBeNull();
  });

  it("lets a late payment take places only where a new hold would be accepted now", () => {
    expect(raceRefusal(race({ registrationClosesAt: after }), [onSale, { salesEndAt: after, archivedAt: null }], { late: true, now })).toBeNull();
    expect(raceRefusal(race({ status: "CLOSED" }), [onSale], { late: true, now })).toBe("sales_closed");
    expect(raceRefusal(race({ registrationClosesAt: now }), [onSale], { late: true, now })).toBe("sales_closed");
    expect(raceRefusal(race({ startsAt: before }), [onSale], { late: true, now })).toBe("sales_closed");
    expect(raceRefusal(race(), [onSale, { salesEndAt: before, archivedAt: null }], { late: true, now })).toBe("sales_closed");
    expect(raceRefusal(race(), [{ salesEndAt: null, archivedAt: before }], { late: true, now })).toBe("sales_closed");
  });
});
