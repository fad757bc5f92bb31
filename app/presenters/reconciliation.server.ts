import type { Prisma } from "@prisma/client";
import { db } from "~/utils/db.server";
import { isStripeConfigured } from "~/utils/stripe.server";
import { paginate } from "./paginate.server";

const flagRow = {
  id: true,
  kind: true,
  stripeObjectId: true,
  stripeSessionId: true,
  stripePaymentIntentId: true,
  account: true,
  orderId: true,
  purchaseId: true,
  currency: true,
  stripeAmountMinor: true,
  startlineAmountMinor: true,
  message: true,
  detectedAt: true,
  resolvedAt: true,
  note: true,
  resolvedBy: { select: { name: true } },
} satisfies Prisma.ReconciliationFlagSelect;

const runRow = { id: true, trigger: true, startedAt: true, finishedAt: true, accounts: true, sessions: true, charges: true, newFlags: true, settledFlags: true, error: true } satisfies Prisma.ReconciliationRunSelect;

/** The operator home's reconciliation tile: open flags, the newest few, and the last run. */
export async function reconciliationTile() {
  const [open, latest, lastRun] = await Promise.all([
    db.reconciliationFlag.count({ where: { resolvedAt: null } }),
    db.reconciliationFlag.findMany({ where: { resolvedAt: null }, orderBy: [{ detectedAt: "desc" }, { id: "asc" }], take: 5, select: { id: true, kind: true, message: true, detectedAt: true } }),
    db.reconciliationRun.findFirst({ orderBy: { startedAt: "desc" }, select: runRow }),
  ]);
  // Demo payment mode has no Stripe to compare with: the pages say so instead of offering a run that finds nothing.
  return { open, latest, lastRun, paymentsSimulated: !isStripeConfigured() };
}

/** Flags for the reconciliation page, newest first; paginated. */
export function reconciliationFlags(filter: "open" | "resolved", page: number, pageSize = 20) {
  const where = { resolvedAt: filter === "open" ? null : { not: null } } satisfies Prisma.ReconciliationFlagWhereInput;
  return paginate({ page, pageSize }, {
    count: () => db.reconciliationFlag.count({ where }),
    rows: (window) => db.reconciliationFlag.findMany({ where, orderBy: [{ detectedAt: "desc" }, { id: "asc" }], ...window, select: flagRow }),
  });
}

/** The last runs, newest first. */
export function recentReconciliationRuns(take = 5) {
  return db.reconciliationRun.findMany({ orderBy: { startedAt: "desc" }, take, select: runRow });
}
