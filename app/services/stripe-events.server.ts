import type { Prisma } from "@prisma/client";
import type Stripe from "stripe";
import { enqueueIfConnected, requeue } from "~/jobs/queues.server";
import { PermanentFailure } from "~/lib/errors";
import { groupCommit } from "~/lib/group-commit";
import { db, sql } from "~/utils/db.server";
import { isStripeConfigured } from "~/utils/stripe.server";
import { checkoutKind } from "./billing.server";
import { handleInvoicePaid, handleInvoicePaymentFailed, handleMembershipCheckoutCompleted, handlePackExpired, handlePackPaid, handleSubscriptionChanged } from "./billing-events.server";
import { handleSessionFailed, handleSessionPaid } from "./payments.server";
import { handleAccountUpdated } from "./payouts.server";
import { followPurchaseRefunds, handlePurchaseChargeRefunded, handlePurchaseRefundUpdated } from "./purchase-refunds.server";
import { followOrderRefunds, handleOrderChargeRefunded, handleOrderRefundUpdated, handleRejectedPaymentRefundUpdated } from "./refund-events.server";
import { currentRefund, idOf } from "./stripe-refunds.server";

type EventOfType<T extends Stripe.Event["type"]> = Extract<Stripe.Event, { type: T }>;

/** A handler receives the event as stored in the inbox. It must be safe to run twice and tolerate out-of-order delivery. */
export type StripeEventHandlers = { [T in Stripe.Event["type"]]?: (event: EventOfType<T>) => Promise<unknown> };

type CheckoutEvent = EventOfType<"checkout.session.completed">;

/** One Checkout Session event type serves race orders, credit packs and memberships; `metadata.kind` (or the mode) says which. */
function byCheckoutKind(handlers: { race_order: (event: CheckoutEvent) => Promise<unknown>; credit_pack: (event: CheckoutEvent) => Promise<unknown>; membership: (event: CheckoutEvent) => Promise<unknown> }) {
  return (event: { data: { object: Stripe.Checkout.Session } }) => handlers[checkoutKind(event.data.object)](event as CheckoutEvent);
}

const recordPayment = byCheckoutKind({ race_order: handleSessionPaid, credit_pack: handlePackPaid, membership: handleMembershipCheckoutCompleted });

/**
 * A refund can be made, and its `charge.refunded` handled, before the payment's own event is: that refund found no
 * order or purchase to follow. So once a payment is recorded, the refunds Stripe already has on it are followed too
 * (ADR 0041); for a payment without refunds this changes nothing.
 */
async function sessionPaid(event: { id: string; data: { object: Stripe.Checkout.Session } }) {
  const outcome = await recordPayment(event);
  const paymentIntentId = idOf(event.data.object.payment_intent);
  if (paymentIntentId && isStripeConfigured() && !(await followOrderRefunds(paymentIntentId, 0, event.id))) await followPurchaseRefunds(paymentIntentId, 0);
  return outcome;
}
const sessionFailed = byCheckoutKind({ race_order: handleSessionFailed, credit_pack: handlePackExpired, membership: async () => "ignored" });

/** A refunded charge paid a race order or a credit purchase; each owner answers null for a payment that is not its own. */
async function chargeRefunded(event: EventOfType<"charge.refunded">) {
  return (await handleOrderChargeRefunded(event)) ?? (await handlePurchaseChargeRefunded(event)) ?? "no order or credit purchase took this payment";
}

/** A refund changed status (e.g. failed at the bank). Read from Stripe first: an older event may arrive after a newer one. */
async function refundUpdated(event: EventOfType<"charge.refund.updated">) {
  const refund = await currentRefund(event.data.object);
  if (!refund) return "ignored: refunds go through Stripe, which this installation does not use";
  return (
    (await handleOrderRefundUpdated(refund)) ??
    (await handlePurchaseRefundUpdated(refund)) ??
    (await handleRejectedPaymentRefundUpdated(refund)) ??
    "no order or credit purchase took this payment"
  );
}

/**
 * The event types Startline acts on; every other verified event is stored, marked processed and ignored.
 */
export const stripeEventHandlers: StripeEventHandlers = {
  "account.updated": handleAccountUpdated,
  "checkout.session.completed": sessionPaid,
  "checkout.session.async_payment_succeeded": sessionPaid,
  "checkout.session.async_payment_failed": sessionFailed,
  "checkout.session.expired": sessionFailed,
  "charge.refunded": chargeRefunded,
  "charge.refund.updated": refundUpdated,
  "invoice.paid": handleInvoicePaid,
  "invoice.payment_failed": handleInvoicePaymentFailed,
  "customer.subscription.updated": handleSubscriptionChanged,
  "customer.subscription.deleted": handleSubscriptionChanged,
};

/**
 * Records a verified event in the inbox and queues its processing. A redelivered event is not stored
 * again; while it is unprocessed it is queued again (collapsing into a waiting job, or running a failed one
 * again). The inbox row is the truth: when Redis does not answer within a second the answer is still 2xx
 * and the worker queues the event once Redis is back (docs/decisions/0030-recovery-without-restarts.md).
 */
export async function recordStripeEvent(event: Stripe.Event) {
  // One statement (ADR 0060): the webhook answers within Stripe's patience even while the worker keeps the machine busy.
  const [stored] = await sql<{ inserted: boolean; processed: boolean }>(
    `WITH inserted AS (
       INSERT INTO "StripeEvent" (id, type, account, payload, "receivedAt") VALUES ($1, $2, $3, $4::jsonb, now() AT TIME ZONE 'UTC') ON CONFLICT (id) DO NOTHING RETURNING 1
     )
     SELECT EXISTS (SELECT 1 FROM inserted) AS inserted, EXISTS (SELECT 1 FROM "StripeEvent" WHERE id = $1 AND "processedAt" IS NOT NULL) AS processed`,
    [event.id, event.type, event.account ?? null, JSON.stringify(event)],
    undefined,
    "record-stripe-event",
  );
  const duplicate = !stored!.inserted;
  if (stored!.processed) return { duplicate, queued: false };
  const queued = await enqueueIfConnected("stripe.event", { eventId: event.id }, { rerunFailed: duplicate });
  return { duplicate, queued: queued === "queued" };
}

/** A handler's result in one line for the inbox browser ("handled", "ignored", what a replay did). */
function describeOutcome(handled: boolean, result: unknown) {
  if (!handled) return "ignored: Startline does not act on this event type";
  if (result === undefined || result === null) return "handled";
  const text = typeof result === "string" ? result : JSON.stringify(result);
  return text.length > 500 ? `${text.slice(0, 497)}…` : text;
}

async function runHandler(event: Stripe.Event) {
  const handler = stripeEventHandlers[event.type] as ((event: Stripe.Event) => Promise<unknown>) | undefined;
  return describeOutcome(Boolean(handler), handler ? await handler(event) : undefined);
}

type StoredEvent = { id: string; type: string; payload: Prisma.JsonValue; processedAt: Date | null };

/**
 * The inbox's reads and "processed" marks for the events a worker runs at once go together, one statement for each
 * batch (ADR 0115): in a payment rush every paid order is an event, and each statement's round trip and each mark's
 * commit (the one that flushes the WAL for its payment's write, ADR 0060) cost more than the work in them. A lone
 * event goes at once.
 */
const INBOX = "inbox";
const inboxReads = groupCommit<string, StoredEvent | null>({
  maxBatch: 100,
  write: async (eventIds) => {
    const rows = await sql<StoredEvent>(`SELECT id, type, payload, "processedAt" FROM "StripeEvent" WHERE id = ANY($1::text[])`, [eventIds], undefined, "stored-stripe-events");
    const byId = new Map(rows.map((row) => [row.id, row]));
    return eventIds.map((id) => byId.get(id) ?? null);
  },
});
const inboxMarks = groupCommit<{ eventId: string; outcome: string }, null>({
  maxBatch: 100,
  write: async (batch) => {
    // In id order, so two processes' batches lock the rows they share in the same order.
    const marks = [...batch].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
    await sql(
      `UPDATE "StripeEvent" e SET "processedAt" = now() AT TIME ZONE 'UTC', outcome = m.outcome, "failedAt" = NULL, "lastError" = NULL
       FROM unnest($1::text[], $2::text[]) AS m(id, outcome) WHERE e.id = m.id AND e."processedAt" IS NULL`,
      [marks.map((m) => m.eventId), marks.map((m) => m.outcome)],
      undefined,
      "mark-stripe-events-processed",
    );
    return batch.map(() => null);
  },
});

async function storedEvent(eventId: string) {
  const stored = await inboxReads.add(INBOX, eventId);
  if (!stored) throw new PermanentFailure(`Stripe event ${eventId} is not in the inbox`);
  return stored;
}

/** Runs the handler of a stored event once it has been verified and recorded; a processed event is skipped. */
export async function processStripeEvent(eventId: string) {
  const stored = await storedEvent(eventId);
  if (stored.processedAt) return { eventId, type: stored.type, outcome: "already processed" };
  const outcome = await runHandler(stored.payload as unknown as Stripe.Event);
  await inboxMarks.add(INBOX, { eventId, outcome });
  return { eventId, type: stored.type, outcome };
}

/**
 * An operator's replay: runs the handler again even for a processed event. Every handler is idempotent (a paid order
 * is not fulfilled twice, a granted pack not granted twice), so a replay can only complete what is missing.
 */
export async function replayStripeEvent(eventId: string) {
  const stored = await storedEvent(eventId);
  const outcome = `replayed: ${await runHandler(stored.payload as unknown as Stripe.Event)}`;
  await db.stripeEvent.update({
    where: { id: eventId },
    data: { processedAt: stored.processedAt ?? new Date(), outcome, failedAt: null, lastError: null, replays: { increment: 1 } },
  });
  return { eventId, type: stored.type, outcome };
}

/** The event's job failed for good: the inbox browser shows it as failed (housekeeping still queues it again). */
export async function markStripeEventFailed(eventId: string, error: string) {
  await db.stripeEvent.updateMany({ where: { id: eventId, processedAt: null }, data: { failedAt: new Date(), lastError: error.slice(0, 1_000) } });
}

/** Processed events older than the retention are deleted; unprocessed ones stay whatever their age. */
export async function pruneProcessedStripeEvents(retentionDays: number, now = new Date()) {
  const { count } = await db.stripeEvent.deleteMany({ where: { processedAt: { lt: new Date(now.getTime() - retentionDays * 24 * 3600 * 1000) } } });
  return count;
}

/**
 * Queues events left unprocessed: Redis was away when the webhook answered, lost its queue, or the event's job failed
 * for good (it runs again). Events with a job still waiting or running are left alone. Returns how many were queued.
 */
export async function requeueUnprocessedStripeEvents(olderThanMs: number, now = new Date()) {
  const stale = await db.stripeEvent.findMany({
    where: { processedAt: null, receivedAt: { lte: new Date(now.getTime() - olderThanMs) } },
    orderBy: { receivedAt: "asc" },
    take: 1_000,
    select: { id: true },
  });
  let queued = 0;
  for (const { id } of stale) if ((await requeue("stripe.event", { eventId: id })) !== "pending") queued += 1;
  return queued;
}
