import type { MembershipStatus, Prisma } from "@prisma/client";
import { membershipPlan } from "~/lib/credit-catalog";
import { channels, type MembershipView } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { db, type Db } from "~/utils/db.server";

export const membershipSelect = { plan: true, status: true, currentPeriodEnd: true, cancelAtPeriodEnd: true, updatedAt: true } satisfies Prisma.MembershipSelect;
type MembershipRow = Prisma.MembershipGetPayload<{ select: typeof membershipSelect }>;

export function toMembershipView(row: MembershipRow): MembershipView {
  return {
    plan: row.plan,
    planName: row.plan === membershipPlan.id ? membershipPlan.name : row.plan,
    status: row.status,
    currentPeriodEnd: row.currentPeriodEnd?.toISOString() ?? null,
    cancelAtPeriodEnd: row.cancelAtPeriodEnd,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The membership as pages and the live feed show it, or null for a user who never started one. */
export async function membershipView(userId: string, tx: Db = db) {
  const row = await tx.membership.findUnique({ where: { userId }, select: membershipSelect });
  return row ? toMembershipView(row) : null;
}

/** Pushes the membership as it is now to every open tab of the user (header and billing page). */
export async function publishMembership(userId: string) {
  const membership = await membershipView(userId);
  if (membership) await publish(channels.user(userId), { type: "membership", membership });
}

/** What Stripe says about one subscription of the user; fields left out stay as they are. */
export type SubscriptionFacts = {
  userId: string;
  subscriptionId: string;
  plan?: string;
  status?: MembershipStatus;
  currentPeriodEnd?: Date;
  cancelAtPeriodEnd?: boolean;
};

/**
 * Applies what an event says about a subscription to the user's one membership row, under a per-user lock in one
 * transaction, so events handled at the same moment cannot undo each other. The rules (ADR 0018, 0095):
 * - a CANCELED subscription stays cancelled: a late `invoice.paid` or `updated` for it changes nothing;
 * - for the same subscription the period end never moves back (an older event arrives after a newer one);
 * - another subscription takes the row over only when it is waiting for payment or cancelled (the user subscribed
 *   again); while one is active or past due, late events of an older one change nothing.
 * Publishes the new view after the commit when anything changed.
 */
export async function applySubscriptionFacts(facts: SubscriptionFacts) {
  const changed = await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`membership:${facts.userId}`}))`;
    const current = await tx.membership.findUnique({
      where: { userId: facts.userId },
      select: { id: true, status: true, stripeSubscriptionId: true, currentPeriodEnd: true, cancelAtPeriodEnd: true, plan: true },
    });
    const sameSubscription = current?.stripeSubscriptionId === facts.subscriptionId;
    // The row follows a live subscription: news of another one (an old one's late events) is history.
    if (current && !sameSubscription && current.stripeSubscriptionId && current.status !== "CANCELED" && current.status !== "INCOMPLETE") return false;
    // A cancelled subscription stays cancelled, with the end date it had.
    if (sameSubscription && current?.status === "CANCELED") return false;
    const periodEnd =
      facts.currentPeriodEnd && sameSubscription && current?.currentPeriodEnd && current.currentPeriodEnd > facts.currentPeriodEnd ? current.currentPeriodEnd : facts.currentPeriodEnd;
    const data = {
      stripeSubscriptionId: facts.subscriptionId,
      ...(facts.plan ? { plan: facts.plan } : {}),
      ...(facts.status ? { status: facts.status } : {}),
      ...(periodEnd ? { currentPeriodEnd: periodEnd } : {}),
      ...(facts.cancelAtPeriodEnd !== undefined ? { cancelAtPeriodEnd: facts.cancelAtPeriodEnd } : {}),
    };
    if (!current) {
      await tx.membership.create({ data: { userId: facts.userId, plan: facts.plan ?? membershipPlan.id, status: facts.status ?? "INCOMPLETE", ...data } });
      return true;
    }
    const unchanged =
      sameSubscription &&
      (data.status === undefined || data.status === current.status) &&
      (data.currentPeriodEnd === undefined || data.currentPeriodEnd.getTime() === current.currentPeriodEnd?.getTime()) &&
      (data.cancelAtPeriodEnd === undefined || data.cancelAtPeriodEnd === current.cancelAtPeriodEnd) &&
      (data.plan === undefined || data.plan === current.plan);
    if (unchanged) return false;
    await tx.membership.update({ where: { id: current.id }, data: sameSubscription ? data : { cancelAtPeriodEnd: false, ...data } });
    return true;
  });
  if (changed) await publishMembership(facts.userId);
  return changed;
}

/** A checkout is being opened: the row waits for its payment (a live membership is refused before this). */
export async function markMembershipIncomplete(userId: string) {
  await db.membership.upsert({
    where: { userId },
    create: { userId, plan: membershipPlan.id, status: "INCOMPLETE" },
    update: { plan: membershipPlan.id, status: "INCOMPLETE", cancelAtPeriodEnd: false, currentPeriodEnd: null },
  });
  await publishMembership(userId);
}
