import { describe, expect, it } from "vitest";
import { mismatches, type StartlineRecord, type StripePayment } from "./reconciliation-rules";

const payment: StripePayment = { account: null, chargeId: "ch_1", sessionId: "cs_1", paymentIntentId: "pi_1", currency: "eur", amountMinor: 3000, refundedMinor: 0 };
const paidOrder: StartlineRecord = { label: "order o1", recorded: true, totalMinor: 3000, refundedMinor: 0 };

describe("mismatches", () => {
  it("finds none when Stripe and Startline agree", () => {
    expect(mismatches(payment, paidOrder)).toEqual([]);
    expect(mismatches({ ...payment, refundedMinor: 1000 }, { ...paidOrder, refundedMinor: 1000 })).toEqual([]);
  });

  it("flags money Stripe keeps for something Startline does not count as paid, keyed by the charge", () => {
    const [flag, ...rest] = mismatches({ ...payment, account: "acct_1", refundedMinor: 500 }, { ...paidOrder, recorded: false });
    expect(rest).toEqual([]);
    expect(flag).toMatchObject({ kind: "PAID_NOT_RECORDED", stripeObjectId: "ch_1", stripeAmountMinor: 2500, startlineAmountMinor: null });
    expect(flag!.message).toContain("connected account acct_1");
    expect(flag!.message).toContain("€25.00");
  });

  it("does not flag a payment Startline refused and refunded in full", () => {
    expect(mismatches({ ...payment, refundedMinor: 3000 }, { ...paidOrder, recorded: false })).toEqual([]);
  });

  it("keys a paid session with no charge by the session", () => {
    const [flag] = mismatches({ ...payment, chargeId: null, paymentIntentId: null, refundedMinor: null }, { label: "membership", recorded: false, totalMinor: null, refundedMinor: null });
    expect(flag).toMatchObject({ kind: "PAID_NOT_RECORDED", stripeObjectId: "cs_1", stripeAmountMinor: 3000 });
  });

  it("flags a different amount and a different refund separately", () => {
    const flags = mismatches({ ...payment, refundedMinor: 700 }, { ...paidOrder, totalMinor: 2500 });
    expect(flags.map((f) => [f.kind, f.stripeAmountMinor, f.startlineAmountMinor])).toEqual([
      ["AMOUNT_MISMATCH", 3000, 2500],
      ["REFUND_MISMATCH", 700, 0],
    ]);
  });

  it("compares no refund when only the session was seen, and no amount for a record without a total", () => {
    expect(mismatches({ ...payment, refundedMinor: null }, { ...paidOrder, refundedMinor: 300 })).toEqual([]);
    expect(mismatches(payment, { ...paidOrder, totalMinor: null })).toEqual([]);
  });
});
