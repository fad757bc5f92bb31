import type { CreditEntryKind } from "@prisma/client";
import { DomainError } from "~/lib/errors";
import { oneAtATime } from "~/lib/one-at-a-time";
import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { db, isUniqueViolation, type Db } from "~/utils/db.server";

export class InsufficientCreditsError extends DomainError {
  constructor(
    readonly balance: number,
    readonly needed: number,
  ) {
    super("payment_required", `This needs ${needed} credits and you have ${balance}. Buy credits on the billing page.`);
    this.name = "InsufficientCreditsError";
  }
}

/**
 * A refunded purchase took back more credits than were left: nothing can be spent until the debt is settled (the next
 * grant or purchase pays it off first).
 */
export class CreditsOwedError extends InsufficientCreditsError {
  constructor(
    readonly owed: number,
    needed: number,
  ) {
    super(0, needed);
    this.message = `You owe ${owed} credits because a credit purchase was refunded after they were spent, so AI jobs are paused. Buy credits on the billing page: they settle the debt first.`;
    this.name = "CreditsOwedError";
  }
}

/** The balance and the credits owed (clawbacks larger than the balance, less what later grants settled), in one read of the ledger. */
async function ledgerTotals(userId: string, tx: Db) {
  const { _sum } = await tx.creditEntry.aggregate({ where: { userId }, _sum: { amount: true, debtChange: true } });
  return { balance: _sum.amount ?? 0, owed: _sum.debtChange ?? 0 };
}

/** Credits the user owes; derived from the ledger like the balance. */
export async function creditDebt(userId: string, tx: Db = db) {
  return (await ledgerTotals(userId, tx)).owed;
}

/** A user's balance is derived from the append-only ledger, never stored separately. */
export async function creditBalance(userId: string, tx: Db = db) {
  const { _sum } = await tx.creditEntry.aggregate({ where: { userId }, _sum: { amount: true } });
  return _sum.amount ?? 0;
}

/** Serialises every ledger write of one user for the rest of the transaction. */
async function lockLedger(tx: Db, userId: string) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`credits:${userId}`}))`;
}

const inTurn = oneAtATime();

/**
 * One user's ledger transactions of this process start one after another: they would wait for each other on the
 * ledger lock anyway, and waiting here keeps them from holding pooled connections while they wait (50 parallel
 * spends of one user would otherwise fill the pool and time out waiting for a connection). The advisory lock
 * still serialises them across processes.
 */
function ledgerTransaction<T>(userId: string, work: (tx: Db) => Promise<T>) {
  return inTurn(userId, () =>
    db.$transaction(async (tx) => {
      await lockLedger(tx, userId);
      return work(tx);
    }),
  );
}

/** Pushes the new balance to every open tab of the user. */
export async function publishBalance(userId: string) {
  await publish(channels.user(userId), { type: "credits.balance", balance: await creditBalance(userId) });
}

type LedgerWrite = { userId: string; description: string; idempotencyKey: string };
type Written = { created: boolean; balance: number; entryId: string };

/**
 * Runs one ledger write under the user's lock. The idempotency key is unique, so the same business
 * event (a Stripe event, a job) writes once however often it is delivered.
 */
async function writeOnce(userId: string, idempotencyKey: string, write: (tx: Db) => Promise<{ id: string }>): Promise<Written> {
  let result: Written;
  try {
    result = await ledgerTransaction(userId, async (tx) => {
      const existing = await tx.creditEntry.findUnique({ where: { idempotencyKey }, select: { id: true } });
      if (existing) return { created: false, balance: await creditBalance(userId, tx), entryId: existing.id };
      const entry = await write(tx);
      return { created: true, balance: await creditBalance(userId, tx), entryId: entry.id };
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const existing = await db.creditEntry.findUniqueOrThrow({ where: { idempotencyKey }, select: { id: true } });
    return { created: false, balance: await creditBalance(userId), entryId: existing.id };
  }
  if (result.created) await publishBalance(userId);
  return result;
}

/**
 * Takes `amount` out of the expiring grants' unspent credits, soonest expiry first (`firstGrantId` before all others),
 * so that expiry never removes credits that are already gone; the rest comes from credits that do not expire.
 */
async function consumeGrants(tx: Db, userId: string, amount: number, firstGrantId?: string) {
  let left = amount;
  const grants = await tx.creditEntry.findMany({
    where: { userId, remaining: { gt: 0 }, expiresAt: { gt: new Date() } },
    orderBy: { expiresAt: "asc" },
    select: { id: true, remaining: true },
  });
  const ordered = [...grants.filter((g) => g.id === firstGrantId), ...grants.filter((g) => g.id !== firstGrantId)];
  for (const grant of ordered) {
    if (left === 0) break;
    const take = Math.min(left, grant.remaining!);
    await tx.creditEntry.update({ where: { id: grant.id }, data: { remaining: { decrement: take } } });
    left -= take;
  }
}

/** Credits just added pay off a debt first (in the same transaction, keyed by the entry that brought them). */
async function settleDebt(tx: Db, userId: string, sourceKey: string, grantId?: string) {
  const { balance, owed } = await ledgerTotals(userId, tx);
  const settled = Math.min(owed, balance);
  if (settled <= 0) return;
  await consumeGrants(tx, userId, settled, grantId);
  await tx.creditEntry.create({
    data: { userId, kind: "SETTLEMENT", amount: -settled, debtChange: -settled, description: `Settles ${settled} credits owed from a refunded purchase`, idempotencyKey: `settle:${sourceKey}` },
    select: { id: true },
  });
}

/** Adds credits (a purchase, a membership allowance, an operator's adjustment). Expiring grants track what is left; a debt is settled first. */
export function grantCredits({
  userId,
  amount,
  description,
  idempotencyKey,
  kind = "GRANT",
  expiresAt,
  purchaseId,
}: LedgerWrite & { amount: number; kind?: Extract<CreditEntryKind, "GRANT" | "ADJUSTMENT">; expiresAt?: Date; purchaseId?: string }) {
  if (!Number.isInteger(amount) || (kind === "GRANT" && amount <= 0)) throw new RangeError("a grant is a positive whole number of credits");
  return writeOnce(userId, idempotencyKey, async (tx) => {
    const entry = await tx.creditEntry.create({
      data: { userId, kind, amount, description, idempotencyKey, expiresAt: expiresAt ?? null, remaining: expiresAt ? amount : null, purchaseId: purchaseId ?? null },
      select: { id: true },
    });
    await settleDebt(tx, userId, idempotencyKey, entry.id);
    return entry;
  });
}

/**
 * Takes credits if the balance covers them and nothing is owed — checked under the user's lock, so concurrent spends
 * (and a clawback racing them) can never take the balance below zero. Expiring grants are used first, soonest expiry first.
 */
export function spendCredits({ userId, amount, description, idempotencyKey, aiJobId }: LedgerWrite & { amount: number; aiJobId?: string }) {
  if (!Number.isInteger(amount) || amount <= 0) throw new RangeError("a spend is a positive whole number of credits");
  return writeOnce(userId, idempotencyKey, async (tx) => {
    const { balance, owed } = await ledgerTotals(userId, tx);
    if (owed > 0) throw new CreditsOwedError(owed, amount);
    if (balance < amount) throw new InsufficientCreditsError(balance, amount);
    await consumeGrants(tx, userId, amount);
    return tx.creditEntry.create({ data: { userId, kind: "SPEND", amount: -amount, description, idempotencyKey, aiJobId: aiJobId ?? null }, select: { id: true } });
  });
}

/** Gives back a spend (e.g. an AI job that finally failed), once. Refunded credits do not expire. */
export async function refundSpend({ spendIdempotencyKey, description }: { spendIdempotencyKey: string; description: string }) {
  const spend = await db.creditEntry.findUnique({ where: { idempotencyKey: spendIdempotencyKey }, select: { userId: true, amount: true, kind: true, aiJobId: true } });
  if (!spend || spend.kind !== "SPEND") return null;
  const idempotencyKey = `refund:${spendIdempotencyKey}`;
  return writeOnce(spend.userId, idempotencyKey, async (tx) => {
    const entry = await tx.creditEntry.create({
      data: { userId: spend.userId, kind: "REFUND", amount: -spend.amount, description, idempotencyKey, aiJobId: spend.aiJobId },
      select: { id: true },
    });
    await settleDebt(tx, spend.userId, idempotencyKey);
    return entry;
  });
}

/** A clawback change: `change` credits taken (negative: given back), `fromBalance` of them out of the balance, `owedChange` added to the debt. */
export type ClawbackResult = { entryKey: string; change: number; fromBalance: number; owedChange: number };

/**
 * Brings the credits taken back for a refunded purchase to `target` (its credits in proportion to what was refunded),
 * under the user's ledger lock. `raise` only ever takes more (a refund), `lower` only ever gives back (a refund that
 * failed), so stale or repeated events change nothing. What is taken comes out of the balance — the purchase's own
 * grant first — and never below zero: the rest is recorded as debt. What is given back cancels debt first. Each change
 * is one CLAWBACK entry keyed by the purchase and its sequence number, so concurrent deliveries write it once.
 */
export async function reconcileClawback({ userId, purchaseId, target, mode, description }: { userId: string; purchaseId: string; target: number; mode: "raise" | "lower"; description: string }) {
  const result = await ledgerTransaction(userId, async (tx): Promise<ClawbackResult | null> => {
    const previous = await tx.creditEntry.findMany({ where: { purchaseId, kind: "CLAWBACK" }, select: { amount: true, debtChange: true } });
    const clawed = previous.reduce((sum, entry) => sum - entry.amount + entry.debtChange, 0);
    const wanted = mode === "raise" ? Math.max(clawed, target) : Math.min(clawed, target);
    const change = wanted - clawed;
    if (change === 0) return null;
    const entryKey = `clawback:${purchaseId}:${previous.length + 1}`;
    const { balance, owed } = await ledgerTotals(userId, tx);
    // Taking: as much as the balance holds, the rest owed. Giving back: debt is cancelled before the balance grows.
    const owedChange = change > 0 ? change - Math.min(change, balance) : -Math.min(-change, owed);
    const fromBalance = change - owedChange;
    if (fromBalance > 0) {
      const grant = await tx.creditEntry.findFirst({ where: { purchaseId, kind: "GRANT" }, select: { id: true } });
      await consumeGrants(tx, userId, fromBalance, grant?.id);
    }
    await tx.creditEntry.create({ data: { userId, kind: "CLAWBACK", amount: -fromBalance, debtChange: owedChange, description, idempotencyKey: entryKey, purchaseId }, select: { id: true } });
    return { entryKey, change, fromBalance, owedChange };
  });
  if (result) await publishBalance(userId);
  return result;
}

/** Housekeeping: what is left of expired grants leaves the balance, with an entry saying so. */
export async function expireCredits(now = new Date()) {
  const expired = await db.creditEntry.findMany({ where: { remaining: { gt: 0 }, expiresAt: { lte: now } }, select: { id: true, userId: true }, take: 500 });
  let count = 0;
  for (const grant of expired) {
    const result = await writeOnce(grant.userId, `expiry:${grant.id}`, async (tx) => {
      const current = await tx.creditEntry.findUniqueOrThrow({ where: { id: grant.id }, select: { remaining: true, description: true } });
      await tx.creditEntry.update({ where: { id: grant.id }, data: { remaining: 0 } });
      return tx.creditEntry.create({
        data: { userId: grant.userId, kind: "EXPIRY", amount: -(current.remaining ?? 0), description: `Expired: ${current.description}`, idempotencyKey: `expiry:${grant.id}` },
        select: { id: true },
      });
    });
    if (result.created) count += 1;
  }
  return count;
}
