import { formatMoney } from "./money";

export type ReconciliationFlagKind = "PAID_NOT_RECORDED" | "REFUND_MISMATCH" | "AMOUNT_MISMATCH";

/** One payment as Stripe shows it: a charge (with its session when listed), or a paid session with no charge listed. */
export type StripePayment = {
  /** The connected account it lives on; null for the platform. */
  account: string | null;
  chargeId: string | null;
  sessionId: string | null;
  paymentIntentId: string | null;
  currency: string;
  amountMinor: number;
  /** The charge's `amount_refunded`; null when only the session was seen (a subscription's first invoice). */
  refundedMinor: number | null;
};

/** What Startline recorded for the order, credit pack or membership the payment names. */
export type StartlineRecord = {
  /** "order abc", "credit pack purchase xyz", "membership of user u1": for the messages. */
  label: string;
  /** Startline counts this very payment as paid (the order's PaymentIntent, the purchase's session or intent). */
  recorded: boolean;
  /** The total Startline expects Stripe to have charged; null when it has none to compare (a membership). */
  totalMinor: number | null;
  refundedMinor: number | null;
};

export type FlagDraft = {
  kind: ReconciliationFlagKind;
  stripeObjectId: string;
  stripeAmountMinor: number | null;
  startlineAmountMinor: number | null;
  message: string;
};

/** The Stripe object a flag is keyed by: the charge when there is one (stable whatever the window), else the session. */
export function flagObjectId(payment: StripePayment) {
  return payment.chargeId ?? payment.sessionId ?? payment.paymentIntentId ?? "";
}

/**
 * The differences between one Stripe payment and Startline's record of it:
 * - Stripe keeps money (charged minus refunded) for something Startline does not count as paid by this payment. A
 *   payment Startline refused and refunded in full (a late or stale session) keeps nothing and is not a difference.
 * - The charge's amount differs from the recorded total.
 * - The charge's refunded amount differs from what Startline recorded as refunded.
 */
export function mismatches(payment: StripePayment, record: StartlineRecord): FlagDraft[] {
  const stripeObjectId = flagObjectId(payment);
  const money = (minor: number) => formatMoney(minor, payment.currency.toUpperCase());
  const where = payment.account ? ` on connected account ${payment.account}` : "";
  const what = payment.chargeId ? `Charge ${payment.chargeId}` : `Checkout Session ${payment.sessionId ?? stripeObjectId}`;
  if (!record.recorded) {
    const kept = payment.amountMinor - (payment.refundedMinor ?? 0);
    if (kept <= 0) return [];
    return [
      {
        kind: "PAID_NOT_RECORDED",
        stripeObjectId,
        stripeAmountMinor: kept,
        startlineAmountMinor: null,
        message: `${what}${where} took ${money(kept)} for ${record.label}, which Startline does not count as paid by it. Check the Stripe inbox for its event, then fulfil or refund.`,
      },
    ];
  }
  const flags: FlagDraft[] = [];
  if (record.totalMinor !== null && record.totalMinor !== payment.amountMinor) {
    flags.push({
      kind: "AMOUNT_MISMATCH",
      stripeObjectId,
      stripeAmountMinor: payment.amountMinor,
      startlineAmountMinor: record.totalMinor,
      message: `${what}${where} is for ${money(payment.amountMinor)}, but ${record.label} records a total of ${money(record.totalMinor)}.`,
    });
  }
  if (payment.refundedMinor !== null && record.refundedMinor !== null && payment.refundedMinor !== record.refundedMinor) {
    flags.push({
      kind: "REFUND_MISMATCH",
      stripeObjectId,
      stripeAmountMinor: payment.refundedMinor,
      startlineAmountMinor: record.refundedMinor,
      message: `${what}${where} has ${money(payment.refundedMinor)} refunded in Stripe, but ${record.label} records ${money(record.refundedMinor)} refunded.`,
    });
  }
  return flags;
}
