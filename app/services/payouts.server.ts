import { UnrecoverableError } from "bullmq";
import type Stripe from "stripe";
import { db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { isStripeApiError, isStripeConfigured, requireStripe, stripeClient } from "~/utils/stripe.server";
import { recordAudit } from "./audit.server";
import { requireVerifiedEmail } from "./email-verification.server";
import { notify } from "./notifications.server";
import { connectStateOf, feeFromBps, publishingBlockerFor, type ConnectState } from "~/lib/payout-rules";

export function payoutsPath(organisationId: string) {
  return `/organiser/organisations/${organisationId}/payouts`;
}

/** The platform fee Startline takes on an order of this organisation (its own rate, else PLATFORM_FEE_BPS). */
export async function platformFeeFor(organisationId: string, totalMinor: number) {
  const organisation = await db.organisation.findUniqueOrThrow({ where: { id: organisationId }, select: { platformFeeBps: true } });
  return feeFromBps(totalMinor, organisation.platformFeeBps ?? getEnv().PLATFORM_FEE_BPS);
}

/** null when the organisation may publish paid races, else a reason to show the organiser. */
export async function paidPublishingBlocker(organisationId: string) {
  const organisation = await db.organisation.findUniqueOrThrow({
    where: { id: organisationId },
    select: { connectStatus: true, chargesEnabled: true },
  });
  return publishingBlockerFor(organisation, isStripeConfigured());
}

/** What the payouts page shows. */
export async function payoutOverview(organisationId: string) {
  const organisation = await db.organisation.findUniqueOrThrow({
    where: { id: organisationId },
    select: { id: true, name: true, stripeAccountId: true, connectStatus: true, chargesEnabled: true, payoutsEnabled: true, platformFeeBps: true },
  });
  const stripeConfigured = isStripeConfigured();
  return {
    ...organisation,
    stripeConfigured,
    feeBps: organisation.platformFeeBps ?? getEnv().PLATFORM_FEE_BPS,
    blocker: publishingBlockerFor(organisation, stripeConfigured),
  };
}

function onboardingUrls(organisationId: string) {
  const origin = getEnv().appOrigin;
  return {
    return_url: `${origin}${payoutsPath(organisationId)}?from=stripe`,
    refresh_url: `${origin}${payoutsPath(organisationId)}/refresh`,
  };
}

async function onboardingLink(stripe: Stripe, organisationId: string, accountId: string) {
  const link = await stripe.accountLinks.create({ account: accountId, type: "account_onboarding", ...onboardingUrls(organisationId) });
  return link.url;
}

/** What an unverified organiser is asked to verify their address for. */
export const PAYOUTS_ACTION = "set up payouts";

/**
 * Starts (or continues) Stripe Connect Express onboarding and returns the single-use onboarding URL.
 * The organisation's account is created once: an existing one is reused, and the idempotency key makes
 * a double submit, or a retry after a failure between Stripe and our database, return the same account.
 * Money will be paid out to whoever sets this up, so their email address must be verified first.
 */
export async function startPayoutOnboarding(organisationId: string, actorId: string) {
  const stripe = requireStripe("Payout setup");
  await requireVerifiedEmail(actorId, PAYOUTS_ACTION);
  const organisation = await db.organisation.findUniqueOrThrow({ where: { id: organisationId }, select: { stripeAccountId: true } });
  let accountId = organisation.stripeAccountId;
  if (!accountId) {
    const account = await stripe.accounts.create(
      {
        type: "express",
        capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
        metadata: { organisationId },
      },
      { idempotencyKey: `startline-connect-account-${organisationId}` },
    );
    await db.$transaction(async (tx) => {
      const { count } = await tx.organisation.updateMany({
        where: { id: organisationId, stripeAccountId: null },
        data: { stripeAccountId: account.id, connectStatus: "PENDING" },
      });
      if (count === 1) {
        await recordAudit(tx, {
          organisationId,
          actorId,
          action: "organisation.payouts_started",
          entityType: "organisation",
          entityId: organisationId,
          changes: { stripeAccountId: account.id, connectStatus: { from: "NOT_STARTED", to: "PENDING" } },
        });
      }
    });
    const stored = await db.organisation.findUniqueOrThrow({ where: { id: organisationId }, select: { stripeAccountId: true } });
    accountId = stored.stripeAccountId ?? account.id;
  }
  return onboardingLink(stripe, organisationId, accountId);
}

/** A fresh onboarding URL for the refresh URL (account links are single-use and expire); null before setup started. */
export async function renewOnboardingLink(organisationId: string) {
  const stripe = requireStripe("Payout setup");
  const organisation = await db.organisation.findUniqueOrThrow({ where: { id: organisationId }, select: { stripeAccountId: true } });
  return organisation.stripeAccountId ? onboardingLink(stripe, organisationId, organisation.stripeAccountId) : null;
}

async function notifyOwnersPaymentsEnabled(organisation: { id: string; name: string }, cause: string) {
  const owners = await db.organisationMember.findMany({ where: { organisationId: organisation.id, role: "OWNER" }, select: { userId: true } });
  for (const { userId } of owners) {
    await notify({
      userId,
      kind: "payouts.enabled",
      title: "Payments are enabled",
      body: `Stripe has approved ${organisation.name}: you can now publish paid races and take payments.`,
      href: payoutsPath(organisation.id),
      dedupeKey: `${cause}:payments-enabled:${userId}`,
    });
  }
}

/** The account as Stripe has it now; an account we may no longer read is a permanent failure, not worth retrying. */
async function currentAccount(snapshot: Stripe.Account) {
  const stripe = stripeClient();
  if (!stripe) return snapshot;
  try {
    return await stripe.accounts.retrieve(snapshot.id);
  } catch (error) {
    if (isStripeApiError(error) && (error.statusCode === 403 || error.statusCode === 404)) {
      throw new UnrecoverableError(`Stripe account ${snapshot.id} cannot be read: ${error.message}`);
    }
    throw error;
  }
}

/**
 * Records a connected account's state on its organisation. The owners are told once when charges
 * become enabled: the organisation row is locked while deciding, and the toast goes out before the
 * update commits, so a retry after a crash repeats it under the same dedupe key (`cause`, e.g. the
 * Stripe event id) instead of losing it.
 */
async function applyAccountState(account: Stripe.Account, cause: string) {
  const organisation = await db.organisation.findUnique({ where: { stripeAccountId: account.id }, select: { id: true, name: true } });
  if (!organisation) return { ignored: `no organisation uses ${account.id}` };
  const next = connectStateOf(account);
  return db.$transaction(
    async (tx) => {
      const [current] = await tx.$queryRaw<ConnectState[]>`
        SELECT "connectStatus", "chargesEnabled", "payoutsEnabled" FROM "Organisation" WHERE id = ${organisation.id} FOR UPDATE`;
      if (!current) return { ignored: "organisation deleted" };
      const changed = (Object.keys(next) as (keyof ConnectState)[]).filter((key) => current[key] !== next[key]);
      if (changed.length === 0) return { organisationId: organisation.id, ...next, changed: false };
      const paymentsEnabled = next.chargesEnabled && !current.chargesEnabled;
      if (paymentsEnabled) await notifyOwnersPaymentsEnabled(organisation, cause);
      await tx.organisation.update({ where: { id: organisation.id }, data: next });
      await recordAudit(tx, {
        organisationId: organisation.id,
        actorId: null,
        action: "organisation.payouts_status_changed",
        entityType: "organisation",
        entityId: organisation.id,
        changes: Object.fromEntries(changed.map((key) => [key, { from: current[key], to: next[key] }])),
      });
      return { organisationId: organisation.id, ...next, changed: true, paymentsEnabled };
    },
    { timeout: 15_000 },
  );
}

/**
 * `account.updated`: events may arrive out of order, so the account's current state is read from
 * Stripe (the event's own snapshot only without a Stripe client).
 */
export async function handleAccountUpdated(event: Stripe.AccountUpdatedEvent) {
  return applyAccountState(await currentAccount(event.data.object), `stripe:${event.id}`);
}

/**
 * When the owner comes back from Stripe's form the webhook may not have arrived yet: read the account
 * now so the page shows where things stand. Does nothing before setup started or without Stripe.
 */
export async function refreshPayoutStatus(organisationId: string) {
  const stripe = stripeClient();
  const organisation = await db.organisation.findUniqueOrThrow({ where: { id: organisationId }, select: { stripeAccountId: true } });
  if (!stripe || !organisation.stripeAccountId) return null;
  const account = await stripe.accounts.retrieve(organisation.stripeAccountId);
  return applyAccountState(account, `payouts-return:${account.id}:${Date.now()}`);
}
