import type { ConnectStatus } from "@prisma/client";
import type Stripe from "stripe";

/** Pure payout rules, shared by the payouts service and its unit tests. */

export type ConnectState = { connectStatus: ConnectStatus; chargesEnabled: boolean; payoutsEnabled: boolean };

/**
 * Our summary of a connected account: enabled once it can take charges and receive payouts;
 * pending while the owner has not submitted their details; restricted when Stripe holds back
 * charges or payouts after the details were submitted.
 */
export function connectStateOf(account: Pick<Stripe.Account, "charges_enabled" | "payouts_enabled" | "details_submitted">): ConnectState {
  const chargesEnabled = Boolean(account.charges_enabled);
  const payoutsEnabled = Boolean(account.payouts_enabled);
  const connectStatus: ConnectStatus =
    chargesEnabled && payoutsEnabled ? "ENABLED" : account.details_submitted ? "RESTRICTED" : "PENDING";
  return { connectStatus, chargesEnabled, payoutsEnabled };
}

/** Fee in minor units for a total, rounded half up to a whole minor unit. */
export function feeFromBps(totalMinor: number, bps: number) {
  return Math.round((totalMinor * bps) / 10_000);
}

const BLOCKED = "Finish payout setup with Stripe before publishing paid races";

/** Why an organisation may not sell paid places yet, or null. Without Stripe payments are simulated, so nothing blocks. */
export function publishingBlockerFor(organisation: { connectStatus: ConnectStatus; chargesEnabled: boolean }, stripeConfigured: boolean) {
  if (!stripeConfigured || organisation.chargesEnabled) return null;
  switch (organisation.connectStatus) {
    case "NOT_STARTED":
      return `${BLOCKED}: an owner of the organisation can start it on the Payouts page.`;
    case "PENDING":
      return `${BLOCKED}: Stripe is still waiting for the owner's details (continue on the Payouts page).`;
    default:
      return `${BLOCKED}: Stripe cannot take payments for this organisation until it receives more information (see the Payouts page).`;
  }
}

