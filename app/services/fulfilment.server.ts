import { db, sql, sqlScript, TRANSACTION_DEFAULTS } from "~/utils/db.server";
import { groupCommit } from "~/lib/group-commit";
import { BibRangeFullError } from "./bibs.server";
import { redeemDiscount } from "./discount-holds.server";
import { sendQueued } from "./email.server";
import {
  fulfilmentLocksStatement,
  fulfilmentWriteStatement,
  paymentFactsStatement,
  type FulfilmentWrite,
  type FulfilmentWriteRow,
  type PaymentFacts,
} from "./fulfilment-statements.server";
import { newRowId } from "./hold-statement.server";
import { NOTIFICATION_TTL_MS, pushNotification } from "./notifications.server";
import { announceOrderChange } from "./orders.server";
import { isSettled, paymentMismatch, raceRefusal, type PaymentRejection, type RaceRefusal } from "~/lib/payment-rules";
import { announceSale } from "./race-stats.server";
import { announceRoomsChange } from "./room-status.server";
import { metrics } from "~/utils/metrics.server";

/** A paid Checkout Session (or the demo page's stand-in for one), as Stripe reports it now. */
export type SessionPayment = {
  orderId: string;
  stripeSessionId: string;
  paymentIntentId: string | null;
  /** What Stripe charged, tax included. */
  amountTotalMinor: number;
  /** Tax computed by Stripe Tax. */
  amountTaxMinor: number | null;
  currency: string;
};

/** A free order needs no payment: it is fulfilled only while its total is still zero. */
export type FreeOrder = { orderId: string; free: true };

export type FulfilmentResult =
  | { outcome: "fulfilled" | "already_paid" | "not_found" }
  /** The order's own payment, which cannot buy its places: refunded by `refundUnfulfilledPayment`. */
  | { outcome: "late_no_places" | RaceRefusal }
  /** The order's hold was gone and its code has since been used up (or the buyer's limit reached). */
  | { outcome: "discount_lost"; message: string }
  /** The payment is not the one the order asked for (ADR 0023); nothing changed. */
  | { outcome: "rejected"; reason: PaymentRejection };

/** Ends the slow path's transaction with a rollback and an outcome. */
class FulfilmentStopped extends Error {
  constructor(readonly result: Extract<FulfilmentResult, { outcome: "discount_lost" }>) {
    super(result.outcome);
  }
}

/** The facts changed between the read and the locks (a release, a new session, a cancellation): read again. */
const MAX_READS = 5;

const utc = (value: string | null) => (value === null ? null : new Date(`${value}Z`));

type Decision =
  | { result: FulfilmentResult }
  | { write: FulfilmentWrite; facts: PaymentFacts; discountUse: "held" | "none" | "take" };

/**
 * What a payment does to the order as last committed, decided in Node from one unlocked read (the rules of
 * `payment-rules`): nothing (`result`), or the write `fulfilmentWriteStatement` makes only if the facts still hold.
 */
function decide(facts: PaymentFacts, payment: SessionPayment | FreeOrder, now: Date): Decision {
  const paid = "free" in payment ? null : payment;
  if (isSettled(facts.status) && (!paid || facts.stripeSessionId === paid.stripeSessionId)) return { result: { outcome: "already_paid" } };
  const rejection = paid
    ? paymentMismatch({ ...facts, taxMode: facts.race.taxMode }, { sessionId: paid.stripeSessionId, currency: paid.currency, amountTotalMinor: paid.amountTotalMinor, amountTaxMinor: paid.amountTaxMinor })
    : facts.totalMinor === 0
      ? null
      : "amount_mismatch";
  if (rejection) return { result: { outcome: "rejected", reason: rejection } };

  const late = facts.status !== "PENDING";
  const issuing = facts.tickets.filter((t) => t.status === (late ? "CANCELLED" : "HELD"));
  const perType = new Map<string, number>();
  for (const t of issuing) perType.set(t.ticketTypeId, (perType.get(t.ticketTypeId) ?? 0) + 1);
  const types = new Map(facts.types.map((t) => [t.id, { ...t, salesEndAt: utc(t.salesEndAt), archivedAt: utc(t.archivedAt) }]));
  const race = { ...facts.race, registrationClosesAt: utc(facts.race.registrationClosesAt), startsAt: utc(facts.race.startsAt)! };
  const refusal = raceRefusal(race, [...perType.keys()].map((id) => types.get(id)!), { late, now });
  if (refusal) return { result: { outcome: refusal } };
  const placesLeft = (id: string) => types.get(id)!.capacity - types.get(id)!.soldCount - types.get(id)!.heldCount;
  if (late && [...perType].some(([id, count]) => placesLeft(id) < count)) return { result: { outcome: "late_no_places" } };

  // The code's use is made final with the rest when the order still holds it; taken afresh (it may be refused) when not.
  const discountUse = !facts.discountCodeId || facts.redemption?.redeemed ? "none" : facts.redemption?.codeId === facts.discountCodeId ? "held" : "take";
  return {
    facts,
    discountUse,
    write: {
      orderId: facts.id,
      raceId: facts.raceId,
      expected: {
        orderStatus: facts.status,
        stripeSessionId: facts.stripeSessionId,
        totalMinor: facts.totalMinor,
        currency: facts.currency,
        discountCodeId: facts.discountCodeId,
        raceStatus: facts.race.status,
        registrationClosesAt: race.registrationClosesAt,
        startsAt: race.startsAt,
      },
      late,
      ticketIds: issuing.map((t) => t.id),
      perType,
      redeemHeldUse: discountUse === "held",
      paid: { totalMinor: paid?.amountTotalMinor ?? facts.totalMinor, taxMinor: paid?.amountTaxMinor ?? facts.taxMinor, paymentIntentId: paid?.paymentIntentId ?? null },
      email: { id: newRowId(), userId: facts.buyerId, to: facts.buyerEmail },
      notice: facts.buyerId ? paidNotice(facts, facts.buyerId, now) : null,
      now,
    },
  };
}

/** The buyer's notification of the payment, stored by the payment's write and pushed to their tabs after the commit. */
function paidNotice(facts: PaymentFacts, userId: string, now: Date): NonNullable<FulfilmentWrite["notice"]> {
  return {
    id: newRowId(),
    userId,
    kind: "order.paid",
    title: "Payment confirmed",
    body: `You're registered for ${facts.race.name}.`,
    href: `/orders/${facts.id}`,
    dedupeKey: `order-paid:${facts.id}`,
    expiresAt: new Date(now.getTime() + NOTIFICATION_TTL_MS),
  };
}

/** What a written payment leaves to do after the commit: the email to send, and whether the notification is new. */
type Written = { emailId: string; noticeStored: boolean };

/** The write's verdict: done, facts changed (null), or a full bib range (thrown). */
function writeOutcome([row]: FulfilmentWriteRow[]): Written | null {
  if (!row) throw new Error("the fulfilment statement returned no row");
  if (row.bib_full) throw new BibRangeFullError(row.bib_full.name, row.bib_full.lo, row.bib_full.hi);
  if (!row.ok) return null;
  if (!row.email_id) throw new Error("the fulfilment statement wrote no confirmation email");
  return { emailId: row.email_id, noticeStored: row.notice_id !== null };
}

type BatchedWrite = { write: FulfilmentWrite; withDiscount: boolean; durable: boolean };

/**
 * Writes payments as one transaction in one round trip each (`sqlScript`): the locks, then the statements that decide
 * under them and write, then the commit, so a ticket type's row lock is held while Postgres works, never while Node
 * does. Payments of one race are written in batches of at most 50 (group commit, ADR 0086): while a race's transaction
 * runs, the payments that arrive wait and go together in the next, under one taking of the race's locks, instead of
 * each queueing on the ticket type's row lock in a connection of its own. A lone payment goes at once.
 */
const writePayments = groupCommit<BatchedWrite, FulfilmentWriteRow[]>({ maxBatch: 50, write: writeBatch });

async function writeFast(write: FulfilmentWrite, withDiscount: boolean, durable: boolean) {
  return writeOutcome(await writePayments.add(write.raceId, { write, withDiscount, durable }));
}

async function writeBatch(batch: BatchedWrite[]) {
  const { raceId } = batch[0]!.write;
  const locks = fulfilmentLocksStatement({
    raceId,
    typeIds: batch.flatMap(({ write }) => [...write.perType.keys()]),
    orders: batch.map(({ write, withDiscount }) => ({ id: write.orderId, withDiscount })),
  });
  const [, ...rows] = await sqlScript([locks, ...batch.map(({ write }) => fulfilmentWriteStatement(write))], { durable: batch.some((entry) => entry.durable) });
  metrics.fulfilmentBatchSize.observe(batch.length);
  return rows as FulfilmentWriteRow[][];
}

/** A late payment whose code's use was given back: the use is taken again (or refused) in the same transaction. */
async function writeTakingDiscount(write: FulfilmentWrite, facts: PaymentFacts) {
  return db
    .$transaction(async (tx) => {
      const locks = fulfilmentLocksStatement({ raceId: write.raceId, typeIds: [...write.perType.keys()], orders: [{ id: write.orderId, withDiscount: true }] });
      await tx.$queryRawUnsafe(locks.text, ...locks.values);
      const use = await redeemDiscount(tx, { codeId: facts.discountCodeId!, orderId: facts.id, email: facts.buyerEmail, userId: facts.buyerId });
      if (use.status === "used_up" || use.status === "per_user_limit") throw new FulfilmentStopped({ outcome: "discount_lost", message: use.message });
      const statement = fulfilmentWriteStatement(write);
      const written = writeOutcome(await tx.$queryRawUnsafe<FulfilmentWriteRow[]>(statement.text, ...statement.values));
      // The facts changed: nothing may stay of the use taken above.
      if (written === null) throw new FactsChanged();
      return written;
    }, TRANSACTION_DEFAULTS)
    .catch((error: unknown) => {
      if (error instanceof FulfilmentStopped) return error.result;
      if (error instanceof FactsChanged) return null;
      throw error;
    });
}

class FactsChanged extends Error {}

/**
 * Marks a paid order PAID and issues its tickets (bib numbers, QR tokens already set), moving held places to
 * sold, making the discount's use final, and recording the confirmation email — exactly once, however often and in
 * whatever order the events come (ADR 0060): the facts are read without a lock and decided here (the rules in
 * `payment-rules`); then one statement, run after the locks of the race, the ticket types, the order and the race's
 * bibs, writes everything only if those facts still hold (else they are read again). Running it twice changes
 * nothing the second time: the order is paid.
 * First it checks that this is the payment the order asked for (its current session, currency and total,
 * or a free order still free): anything else is `rejected` with nothing changed, for the caller to refund.
 * A cancelled race takes no payment (`race_cancelled`); the race row is locked first, so a cancellation either
 * committed before and is seen here, or waits for this payment and then refunds the paid order.
 * A payment for an order whose hold already expired re-acquires its places and its code's use if they are
 * still free and still on sale; otherwise it reports `sales_closed`, `late_no_places` or `discount_lost` and
 * changes nothing. The confirmation email (its bibs and QR codes), the notification and the live updates come
 * after the commit.
 */
export async function fulfilOrder(payment: SessionPayment | FreeOrder): Promise<FulfilmentResult> {
  for (let read = 1; ; read += 1) {
    const factsQuery = paymentFactsStatement(payment.orderId);
    const [facts] = await sql<PaymentFacts>(factsQuery.text, factsQuery.values, undefined, "payment-facts");
    if (!facts) return { outcome: "not_found" };
    const decision = decide(facts, payment, new Date());
    if ("result" in decision) return decision.result;
    // A paid Checkout Session's write commits without waiting for the WAL flush, so the ticket type's row lock is not
    // held through an fsync: the Stripe event's "processed" mark, committed after it, flushes the WAL up to it, and an
    // event left unprocessed by a crash is run again (ADR 0060). A free order has no such event: it waits.
    const durable = "free" in payment;
    const written =
      decision.discountUse === "take" ? await writeTakingDiscount(decision.write, facts) : await writeFast(decision.write, decision.discountUse === "held", durable);
    if (written !== null && "outcome" in written) return written;
    if (written !== null) {
      await afterPayment(facts, decision.write, written);
      return { outcome: "fulfilled" };
    }
    if (read >= MAX_READS) throw new Error(`order ${payment.orderId} kept changing while its payment was recorded; the job retries`);
  }
}

/** After the commit: the email goes out (rendered then), the buyer's tabs show the notification, and the live pages re-read. */
async function afterPayment(facts: PaymentFacts, { notice, now }: FulfilmentWrite, { emailId, noticeStored }: Written) {
  await sendQueued(emailId, { receipt: true });
  await Promise.all([
    notice && noticeStored ? pushNotification(notice.userId, { id: notice.id, kind: notice.kind, title: notice.title, body: notice.body, href: notice.href, createdAt: now.toISOString() }) : null,
    announceOrderChange(facts.id),
    announceSale(facts.raceId),
    announceRoomsChange(facts.tickets.map((t) => t.roomId)),
  ]);
}

export type UnfulfilledCause = "late_no_places" | "discount_lost" | RaceRefusal;

const UNFULFILLED: string[] = ["late_no_places", "discount_lost", "race_cancelled", "sales_closed"] satisfies UnfulfilledCause[];

/** The order's own payment that fulfilment could not honour, to be refunded in full. */
export function isUnfulfilled(outcome: FulfilmentResult["outcome"]): outcome is UnfulfilledCause {
  return UNFULFILLED.includes(outcome);
}
