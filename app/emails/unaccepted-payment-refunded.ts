import { escapeHtml } from "~/lib/html";
import { link, type EmailContent } from "./email";
import { paymentRefundedEmail } from "./payment-refunded";

/** Why the order's own payment could not buy its places (fulfilment's outcomes that refund it). */
export type UnacceptedPaymentCause = "late_no_places" | "discount_lost" | "race_cancelled" | "sales_closed";

const causes: Record<UnacceptedPaymentCause, { kind: string; why: string }> = {
  late_no_places: { kind: "late_payment_refunded", why: "Your payment arrived after your places were released, and they have since been taken." },
  discount_lost: {
    kind: "discount_lost_refunded",
    why: "Your payment arrived after your checkout had run out, and the discount code you used can no longer be used for this order.",
  },
  race_cancelled: { kind: "race_cancelled_payment_refunded", why: "The race has been cancelled by its organiser, so we could not accept your registration." },
  sales_closed: { kind: "sales_closed_payment_refunded", why: "Your payment arrived after your places were released, and registration has closed since." },
};

/** The buyer's payment could not be accepted (see `UnacceptedPaymentCause`) and was refunded in full; they may try again. */
export function unacceptedPaymentRefundedEmail({ cause, buyerName, raceName, amount, raceUrl }: { cause: UnacceptedPaymentCause; buyerName: string; raceName: string; amount: string; raceUrl: string }): EmailContent {
  const { kind, why } = causes[cause];
  return paymentRefundedEmail({
    kind,
    buyerName,
    raceName,
    text: `${why} We have refunded ${amount} in full; it reaches your account in 5–10 days.\n\nYou can try again at ${raceUrl}.`,
    html: `<p>${escapeHtml(why)} We have refunded <strong>${escapeHtml(amount)}</strong> in full; it reaches your account in 5–10 days.</p><p>${link(raceUrl, "Try again")}</p>`,
  });
}
