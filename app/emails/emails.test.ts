import { describe, expect, it } from "vitest";
import { orderConfirmedEmail, ticketQrCid } from "./order-confirmed";
import { organisationInviteEmail } from "./organisation-invite";
import { orderRefundedEmail } from "./order-refunded";
import { passwordResetEmail } from "./password-reset";
import { raceCancelledRefundEmail } from "./race-cancelled-refund";
import { refundFailedEmail } from "./refund-failed";
import { rejectedPaymentRefundedEmail } from "./rejected-payment-refunded";
import { ticketAssignedEmail } from "./ticket-assigned";
import { ticketRefundedEmail } from "./ticket-refunded";
import { unacceptedPaymentRefundedEmail } from "./unaccepted-payment-refunded";
import { verifyEmailEmail } from "./verify-email";
import { waitlistOfferEmail } from "./waitlist-offer";
import { welcomeEmail } from "./welcome";

const hostile = `Ann <script>alert("x")</script> & Co`;
const escaped = "Ann &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; Co";

const emails = {
  welcome: welcomeEmail({ name: hostile, appUrl: "https://startline.test", verifyLink: "https://startline.test/verify-email/u.1.s", verifyLinkHours: 48 }),
  verify: verifyEmailEmail({ name: hostile, verifyLink: "https://startline.test/verify-email/u.1.s", hours: 48 }),
  reset: passwordResetEmail({ name: hostile, resetLink: "https://startline.test/reset-password/t", minutes: 60 }),
  invite: organisationInviteEmail({ inviterName: hostile, organisationName: hostile, role: "CHECKIN", acceptLink: "https://startline.test/invites/t" }),
  waitlist: waitlistOfferEmail({ name: hostile, raceName: hostile, ticketTypeName: "10K", until: "Sat 1 May 2027, 09:00", claimUrl: "https://startline.test/races/r#waiting-list" }),
  assigned: ticketAssignedEmail({ assigneeName: hostile, buyerName: hostile, raceName: hostile, ticketTypeName: "10K", formUrl: "https://startline.test/checkout/o/participant/t" }),
  confirmed: orderConfirmedEmail({
    origin: "https://startline.test",
    order: { id: "o1", currency: "EUR", totalMinor: 3000, buyerName: hostile, race: { name: hostile, startsAt: new Date("2027-05-01T08:00:00Z"), timeZone: "Europe/Dublin", location: hostile } },
    tickets: [{ id: "t1", bib: 7, participant: hostile, typeName: "10K" }],
  }),
  unaccepted: unacceptedPaymentRefundedEmail({ cause: "late_no_places", buyerName: hostile, raceName: hostile, amount: "€30.00", raceUrl: "https://startline.test/races/r" }),
  rejected: rejectedPaymentRefundedEmail({ buyerName: hostile, raceName: hostile, amount: "€30.00", orderUrl: "https://startline.test/orders/o1" }),
  ticketRefunded: ticketRefundedEmail({ buyerName: hostile, orderId: "o1", raceName: hostile, holder: hostile, amount: "€30.00" }),
  orderRefunded: orderRefundedEmail({ buyerName: hostile, orderId: "o1", raceName: hostile, full: true, amount: null }),
  raceCancelled: raceCancelledRefundEmail({ buyerName: hostile, orderId: "o1", raceName: hostile, amount: "€30.00" }),
  refundFailed: refundFailedEmail({
    managerName: hostile,
    orderId: "o1",
    raceName: hostile,
    buyerName: hostile,
    buyerEmail: "ann@example.com",
    amount: "€30.00",
    refundedNow: "€0.00",
    failure: "insufficient_funds",
    paidAgain: true,
    reinstated: [hostile],
    placeTaken: [],
    raceCancelled: [],
  }),
};

describe("emails", () => {
  it.each(Object.entries(emails))("%s escapes what users typed in its HTML and keeps it as typed in its text", (_, email) => {
    expect(email.html).not.toContain("<script>");
    expect(email.html).toContain(escaped);
    expect(email.text).toContain(hostile);
  });

  it("shows each ticket's attached QR code by its content id", () => {
    expect(emails.confirmed.html).toContain(`src="cid:${ticketQrCid("t1")}"`);
    expect(emails.confirmed.text).toContain("https://startline.test/tickets/t1");
  });

  it("frames a refund as a letter about the order", () => {
    expect(emails.ticketRefunded.subject).toBe(`Refund of €30.00 for ${hostile}`);
    expect(emails.ticketRefunded.text.split("\n")).toEqual([
      `Hello ${hostile},`,
      "",
      `The organiser of ${hostile} has cancelled the ticket of ${hostile}.`,
      "We have refunded €30.00 to the payment method you used. Refunds to a card usually show on the statement within 5–10 working days.",
      "",
      "Order reference: o1",
    ]);
    expect(emails.orderRefunded.subject).toBe(`Tickets cancelled for ${hostile}`);
    expect(emails.refundFailed.text).toContain("failed: insufficient funds. The money was not returned, so the order counts as paid again (€0.00 refunded now).");
  });

  it("names each refused payment's cause by its kind", () => {
    expect(emails.unaccepted.kind).toBe("late_payment_refunded");
    expect(unacceptedPaymentRefundedEmail({ cause: "sales_closed", buyerName: "A", raceName: "R", amount: "€1.00", raceUrl: "u" }).kind).toBe("sales_closed_payment_refunded");
    expect(emails.rejected.subject).toBe(`Your payment for ${hostile} was refunded`);
  });
});
