import type Stripe from "stripe";
import { DomainError } from "~/lib/errors";
import { isStripeApiError, stripeClient } from "~/utils/stripe.server";

/** A refund the organiser asked for that cannot be made; shown above the refund form. */
export class RefundError extends DomainError {
  constructor(message: string, kind: "invalid" | "not_found" | "conflict" | "upstream" = "conflict") {
    super(kind, message, { field: "form" });
    this.name = "RefundError";
  }
}

/** What Stripe made of a refund: its id and status, the charge's refunded total, and for a destination charge what came back from the organiser. */
export type StripeRefundResult = {
  stripeRefundId: string;
  status: string;
  /** Everything refunded on the charge once this refund was made (this one included). */
  chargeRefundedMinor: number | null;
  /** Taken back from the organiser's transfer for this refund (destination charges). */
  transferReversal: { id: string; amountMinor: number } | null;
  /** The platform fee returned on this charge so far (destination charges with a fee). */
  applicationFeeRefundedMinor: number | null;
};

/** The id of a Stripe object, expanded or not. */
export function idOf(value: string | { id: string } | null | undefined) {
  return typeof value === "string" ? value : (value?.id ?? null);
}

/**
 * Is this payment a Connect destination charge? Stripe's PaymentIntent says (`transfer_data.destination`), not our own
 * records: the organisation's account can change after a payment, and a refund must follow the charge as it was made.
 */
async function connectRefundParams(stripe: Stripe, paymentIntentId: string): Promise<Pick<Stripe.RefundCreateParams, "reverse_transfer" | "refund_application_fee">> {
  const intent = await stripe.paymentIntents.retrieve(paymentIntentId);
  // The organiser got the money, so the organiser pays it back (in proportion for a partial refund) and the platform
  // returns its fee in the same proportion; without these flags Stripe takes the whole refund from the platform.
  return intent.transfer_data?.destination ? { reverse_transfer: true, refund_application_fee: true } : {};
}

/**
 * The one place Startline creates Stripe refunds. Destination charges are refunded with `reverse_transfer` and
 * `refund_application_fee`, so every caller (organiser refunds, late payments, cancellations) makes the organiser pay.
 * The charge is expanded so that we learn how much of it Stripe has refunded in total (this refund included): the
 * database is brought up to that, never past it. Returns null without Stripe (demo mode), without a payment intent
 * (free order) or for nothing to refund.
 */
export async function createStripeRefund(args: {
  paymentIntentId: string | null;
  amountMinor: number;
  idempotencyKey: string;
  metadata: Record<string, string>;
}): Promise<StripeRefundResult | null> {
  const stripe = stripeClient();
  if (!stripe || !args.paymentIntentId || args.amountMinor === 0) return null;
  let refund: Stripe.Refund;
  try {
    const connect = await connectRefundParams(stripe, args.paymentIntentId);
    refund = await stripe.refunds.create(
      {
        payment_intent: args.paymentIntentId,
        amount: args.amountMinor,
        metadata: args.metadata,
        ...connect,
        expand: connect.reverse_transfer ? ["charge.application_fee", "transfer_reversal"] : ["charge"],
      },
      { idempotencyKey: args.idempotencyKey },
    );
  } catch (error) {
    if (isStripeApiError(error)) {
      if (error.type === "StripeIdempotencyError") {
        throw new RefundError("This refund is already being made (was it submitted twice?). Reload the page in a moment to see it.", "conflict");
      }
      if (error.type === "StripeInvalidRequestError") {
        const reason = error.message.replace(/\.$/, "");
        throw new RefundError(`Stripe refused the refund: ${reason}. If money was refunded in Stripe's dashboard, reload the page in a moment to see it.`, "conflict");
      }
      // The request may or may not have reached Stripe; the idempotency key makes trying again safe.
      throw new RefundError(`Stripe did not confirm the refund (${error.message}). Try again in a moment: the same refund is never made twice.`, "upstream");
    }
    throw error;
  }
  if (refund.status === "failed" || refund.status === "canceled") {
    throw new RefundError(`Stripe could not refund this payment (${refund.failure_reason ?? refund.status}).`, "conflict");
  }
  const charge = typeof refund.charge === "object" && refund.charge ? refund.charge : null;
  const fee = charge && typeof charge.application_fee === "object" && charge.application_fee ? charge.application_fee : null;
  const reversal = typeof refund.transfer_reversal === "object" && refund.transfer_reversal ? refund.transfer_reversal : null;
  return {
    stripeRefundId: refund.id,
    status: refund.status ?? "pending",
    chargeRefundedMinor: charge ? charge.amount_refunded : null,
    transferReversal: reversal ? { id: reversal.id, amountMinor: reversal.amount } : null,
    applicationFeeRefundedMinor: fee ? fee.amount_refunded : null,
  };
}

/**
 * What Stripe has refunded on a payment now: every refund that has not failed or been cancelled. Read fresh (events
 * arrive late and out of order); without Stripe, the event's own figure.
 */
export async function refundedOnStripe(paymentIntentId: string, eventFigure: number) {
  const stripe = stripeClient();
  if (!stripe) return eventFigure;
  let total = 0;
  for await (const refund of stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 })) {
    if (refund.status !== "failed" && refund.status !== "canceled") total += refund.amount;
  }
  return total;
}

/**
 * The refund as Stripe has it now (the event's copy may be older than another event already handled); null without
 * Stripe, where no refund can change status because none went through Stripe.
 */
export async function currentRefund(snapshot: Stripe.Refund) {
  const stripe = stripeClient();
  return stripe ? await stripe.refunds.retrieve(snapshot.id) : null;
}

export const refundFailed = (refund: Pick<Stripe.Refund, "status">) => refund.status === "failed" || refund.status === "canceled";
