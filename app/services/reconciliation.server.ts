import { createHash } from "node:crypto";
import type { ReconciliationFlagKind } from "@prisma/client";
import type Stripe from "stripe";
import { enqueue } from "~/jobs/queues.server";
import { DomainError, NotFoundError } from "~/lib/errors";
import { flagObjectId, mismatches, type StartlineRecord, type StripePayment } from "~/lib/reconciliation-rules";
import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { db, isUniqueViolation } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { createLogger } from "~/utils/logger.server";
import { stripeClient } from "~/utils/stripe.server";
import { raiseAlert } from "./alerts.server";
import { recordAudit } from "./audit.server";
import { CHECKOUT_KIND } from "./billing.server";

/**
 * Reconciliation (docs/decisions/0075-reconciliation.md): Stripe's recent Checkout Sessions and charges, on the platform
 * and on every connected account, compared with Startline's orders, credit purchases and memberships. A difference is
 * stored as a flag (one per kind and Stripe object), announced to operators once, and resolved by an operator with a
 * note, or by a later run that finds it settled (a webhook that arrived late).
 */

const log = createLogger({ service: "reconciliation" });

const idOf = (value: string | { id: string } | null | undefined) => (typeof value === "string" ? value : (value?.id ?? null));

/** What reconciliation reads of an account: its paid sessions and succeeded charges since `since`, through auto-pagination. */
async function listAccount(stripe: Stripe, account: string | null, since: Date) {
  const options = account ? { stripeAccount: account } : undefined;
  const created = { gte: Math.floor(since.getTime() / 1000) };
  const sessions: Stripe.Checkout.Session[] = [];
  for await (const session of stripe.checkout.sessions.list({ created, limit: 100 }, options)) {
    if (session.payment_status === "paid") sessions.push(session);
  }
  const charges: Stripe.Charge[] = [];
  for await (const charge of stripe.charges.list({ created, limit: 100 }, options)) {
    // A destination charge's transfer shows on the connected account as a payment with `source_transfer`: the same
    // money as the platform's charge, which is reconciled on the platform.
    if (charge.status === "succeeded" && charge.captured && !charge.source_transfer) charges.push(charge);
  }
  return { sessions, charges };
}

type Candidate = { payment: StripePayment; createdAt: number; metadata: Record<string, string>; session: Stripe.Checkout.Session | null };

/** One payment per charge (with its session when listed), plus paid sessions whose charge was not listed (subscriptions). */
function candidates(account: string | null, sessions: Stripe.Checkout.Session[], charges: Stripe.Charge[]): Candidate[] {
  const sessionByIntent = new Map(sessions.flatMap((s) => (idOf(s.payment_intent) ? [[idOf(s.payment_intent)!, s] as const] : [])));
  const charged = new Set<string>();
  const fromCharges = charges.map((charge): Candidate => {
    const paymentIntentId = idOf(charge.payment_intent);
    const session = paymentIntentId ? (sessionByIntent.get(paymentIntentId) ?? null) : null;
    if (paymentIntentId) charged.add(paymentIntentId);
    return {
      payment: { account, chargeId: charge.id, sessionId: session?.id ?? null, paymentIntentId, currency: charge.currency, amountMinor: charge.amount, refundedMinor: charge.amount_refunded },
      createdAt: charge.created,
      metadata: { ...(session?.metadata ?? {}), ...(charge.metadata ?? {}) },
      session,
    };
  });
  const sessionsOnly = sessions
    .filter((session) => !idOf(session.payment_intent) || !charged.has(idOf(session.payment_intent)!))
    .map((session): Candidate => ({
      payment: { account, chargeId: null, sessionId: session.id, paymentIntentId: idOf(session.payment_intent), currency: session.currency ?? "eur", amountMinor: session.amount_total ?? 0, refundedMinor: null },
      createdAt: session.created,
      metadata: session.metadata ?? {},
      session,
    }));
  return [...fromCharges, ...sessionsOnly];
}

type Matched = { record: StartlineRecord; orderId: string | null; purchaseId: string | null };

/** What Startline recorded for the thing a payment names, or null when the payment is not Startline's at all. */
async function startlineRecordOf({ payment, metadata, session }: Candidate): Promise<Matched | null> {
  const { paymentIntentId, sessionId } = payment;
  const kind = metadata.kind;
  if (kind === CHECKOUT_KIND.membership || session?.mode === "subscription") {
    const subscriptionId = idOf(session?.subscription as string | { id: string } | null | undefined);
    const membership = subscriptionId ? await db.membership.findUnique({ where: { stripeSubscriptionId: subscriptionId }, select: { id: true } }) : null;
    return { record: { label: `the membership of user ${metadata.userId ?? "?"} (subscription ${subscriptionId ?? "none"})`, recorded: Boolean(membership), totalMinor: null, refundedMinor: null }, orderId: null, purchaseId: null };
  }
  const purchaseSelect = { id: true, status: true, amountMinor: true, refundedMinor: true, stripeSessionId: true, stripePaymentIntentId: true } as const;
  const purchase = metadata.purchaseId
    ? await db.creditPurchase.findUnique({ where: { id: metadata.purchaseId }, select: purchaseSelect })
    : paymentIntentId
      ? await db.creditPurchase.findUnique({ where: { stripePaymentIntentId: paymentIntentId }, select: purchaseSelect })
      : null;
  if (kind === CHECKOUT_KIND.creditPack || metadata.purchaseId || purchase) {
    const recorded = Boolean(
      purchase && purchase.status === "PAID" && (paymentIntentId ? purchase.stripePaymentIntentId === paymentIntentId || (!purchase.stripePaymentIntentId && purchase.stripeSessionId === sessionId) : purchase.stripeSessionId === sessionId),
    );
    return {
      record: { label: `credit pack purchase ${purchase?.id ?? metadata.purchaseId ?? "?"}`, recorded, totalMinor: purchase?.amountMinor ?? null, refundedMinor: purchase?.refundedMinor ?? null },
      orderId: null,
      purchaseId: purchase?.id ?? metadata.purchaseId ?? null,
    };
  }
  const orderSelect = { id: true, status: true, paidAt: true, totalMinor: true, refundedMinor: true, stripeSessionId: true, stripePaymentIntentId: true } as const;
  const orderId = metadata.orderId ?? session?.client_reference_id ?? null;
  const order = orderId
    ? await db.order.findUnique({ where: { id: orderId }, select: orderSelect })
    : paymentIntentId
      ? await db.order.findUnique({ where: { stripePaymentIntentId: paymentIntentId }, select: orderSelect })
      : null;
  if (!order && !orderId) return null;
  const recorded = Boolean(order && (paymentIntentId ? order.stripePaymentIntentId === paymentIntentId : order.paidAt && order.stripeSessionId === sessionId));
  return {
    record: { label: `order ${order?.id ?? orderId}`, recorded, totalMinor: order?.totalMinor ?? null, refundedMinor: order?.refundedMinor ?? null },
    orderId: order?.id ?? orderId,
    purchaseId: null,
  };
}

/** Stores a flag once per kind and Stripe object; an open flag found again takes the amounts seen now. */
async function storeFlag(data: {
  kind: ReconciliationFlagKind;
  stripeObjectId: string;
  stripeSessionId: string | null;
  stripePaymentIntentId: string | null;
  account: string | null;
  orderId: string | null;
  purchaseId: string | null;
  currency: string;
  stripeAmountMinor: number | null;
  startlineAmountMinor: number | null;
  message: string;
}) {
  try {
    await db.reconciliationFlag.create({ data });
    return true;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await db.reconciliationFlag.updateMany({
      where: { kind: data.kind, stripeObjectId: data.stripeObjectId, resolvedAt: null },
      data: { stripeAmountMinor: data.stripeAmountMinor, startlineAmountMinor: data.startlineAmountMinor, message: data.message },
    });
    return false;
  }
}

/** One alert for every open flag not announced yet: a run that crashed before announcing is announced by the next. */
async function announceNewFlags() {
  const fresh = await db.reconciliationFlag.findMany({ where: { resolvedAt: null, alertedAt: null }, orderBy: { detectedAt: "asc" }, select: { id: true, kind: true, message: true } });
  if (fresh.length === 0) return;
  const perKind = new Map<string, number>();
  for (const flag of fresh) perKind.set(flag.kind, (perKind.get(flag.kind) ?? 0) + 1);
  const counts = [...perKind].map(([kind, n]) => `${n} ${kind.toLowerCase().replaceAll("_", " ")}`);
  await raiseAlert({
    kind: "reconciliation.mismatch",
    severity: "CRITICAL",
    message:
      fresh.length === 1
        ? `Reconciliation found a difference between Stripe and Startline: ${fresh[0]!.message} Resolve it on /operator/reconciliation.`
        : `Reconciliation found ${fresh.length} differences between Stripe and Startline (${counts.join(", ")}). Review and resolve them on /operator/reconciliation.`,
    context: { flags: fresh.length, first: fresh[0]!.id },
    // The same set of flags announced by two runs at once is one alert; hashed, since a set can be long.
    dedupeKey: `reconciliation:${createHash("sha256").update(fresh.map((flag) => flag.id).sort().join(",")).digest("hex")}`,
  });
  await db.reconciliationFlag.updateMany({ where: { id: { in: fresh.map((flag) => flag.id) } }, data: { alertedAt: new Date() } });
}

/** Open flags about objects this run examined that it no longer finds different: settled by themselves (a late webhook). */
async function settleFlags(examined: Set<string>, found: Set<string>, now: Date) {
  const open = await db.reconciliationFlag.findMany({ where: { resolvedAt: null, stripeObjectId: { in: [...examined] } }, select: { id: true, kind: true, stripeObjectId: true } });
  const settled = open.filter((flag) => !found.has(`${flag.kind}:${flag.stripeObjectId}`));
  if (settled.length === 0) return 0;
  const { count } = await db.reconciliationFlag.updateMany({
    where: { id: { in: settled.map((flag) => flag.id) }, resolvedAt: null },
    data: { resolvedAt: now, note: `Settled by itself: the run of ${now.toISOString()} found Stripe and Startline in agreement.` },
  });
  return count;
}

/**
 * The job: compares the platform's and every connected account's sessions and charges created in the last
 * RECONCILE_LOOKBACK_HOURS with Startline's records. Payments younger than RECONCILE_GRACE_MINUTES are left to the
 * webhook path. Safe to run twice (and at once): flags are unique per kind and Stripe object.
 */
export async function runReconciliation({ runId, trigger, now = new Date() }: { runId: string; trigger: string; now?: Date }) {
  const stripe = stripeClient();
  if (!stripe) return { runId, outcome: "payments are simulated: nothing to reconcile" };
  const env = getEnv();
  const since = new Date(now.getTime() - env.RECONCILE_LOOKBACK_HOURS * 3_600_000);
  const settledBefore = Math.floor(now.getTime() / 1000) - env.RECONCILE_GRACE_MINUTES * 60;
  await db.reconciliationRun.upsert({ where: { id: runId }, create: { id: runId, trigger, since, startedAt: now }, update: { startedAt: now, finishedAt: null, error: null } });
  try {
    const organisations = await db.organisation.findMany({ where: { stripeAccountId: { not: null } }, select: { stripeAccountId: true }, orderBy: { createdAt: "asc" } });
    const accounts = [null, ...organisations.map((o) => o.stripeAccountId!)];
    const examined = new Set<string>();
    const found = new Set<string>();
    let sessionCount = 0;
    let chargeCount = 0;
    let newFlags = 0;
    for (const account of accounts) {
      const { sessions, charges } = await listAccount(stripe, account, since);
      sessionCount += sessions.length;
      chargeCount += charges.length;
      for (const candidate of candidates(account, sessions, charges)) {
        if (candidate.createdAt > settledBefore) continue;
        const matched = await startlineRecordOf(candidate);
        if (!matched) continue;
        const { payment } = candidate;
        examined.add(flagObjectId(payment));
        for (const draft of mismatches(payment, matched.record)) {
          found.add(`${draft.kind}:${draft.stripeObjectId}`);
          const created = await storeFlag({
            ...draft,
            stripeSessionId: payment.sessionId,
            stripePaymentIntentId: payment.paymentIntentId,
            account,
            orderId: matched.orderId,
            purchaseId: matched.purchaseId,
            currency: payment.currency.toUpperCase(),
          });
          if (created) newFlags += 1;
        }
      }
    }
    const settledFlags = await settleFlags(examined, found, now);
    await announceNewFlags();
    const summary = { accounts: accounts.length, sessions: sessionCount, charges: chargeCount, newFlags, settledFlags };
    await db.reconciliationRun.update({ where: { id: runId }, data: { ...summary, finishedAt: new Date() } });
    await publish(channels.operators(), { type: "jobs.changed", at: new Date().toISOString() });
    log.info("reconciliation finished", { runId, ...summary });
    return { runId, ...summary };
  } catch (error) {
    await db.reconciliationRun.update({ where: { id: runId }, data: { error: error instanceof Error ? error.message : String(error) } }).catch(() => undefined);
    throw error;
  }
}

/** The button: queues a run now (its own job, so it never waits behind the hourly one), audited. */
export async function requestReconciliation({ operatorId }: { operatorId: string }) {
  const requestedAt = new Date().toISOString();
  const job = await enqueue("reconciliation.run", { requestedAt, requestedBy: operatorId });
  await recordAudit(db, { organisationId: null, actorId: operatorId, action: "reconciliation.requested", entityType: "reconciliation_run", entityId: job.id ?? requestedAt, changes: {} });
  return { runId: job.id ?? requestedAt };
}

/** An operator closes an open flag with what was done about it; audited. */
export async function resolveReconciliationFlag({ flagId, operatorId, note }: { flagId: string; operatorId: string; note: string }) {
  return db.$transaction(async (tx) => {
    const flag = await tx.reconciliationFlag.findUnique({ where: { id: flagId }, select: { id: true, kind: true, stripeObjectId: true, resolvedAt: true } });
    if (!flag) throw new NotFoundError("This reconciliation flag does not exist.", { field: "form" });
    const { count } = await tx.reconciliationFlag.updateMany({ where: { id: flagId, resolvedAt: null }, data: { resolvedAt: new Date(), resolvedById: operatorId, note } });
    if (count === 0) throw new DomainError("conflict", "This flag was already resolved.", { field: "form" });
    await recordAudit(tx, {
      organisationId: null,
      actorId: operatorId,
      action: "reconciliation_flag.resolved",
      entityType: "reconciliation_flag",
      entityId: flagId,
      changes: { kind: flag.kind, stripeObjectId: flag.stripeObjectId, note },
    });
    return flag;
  });
}
