import type { Prisma } from "@prisma/client";
import { db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { creditPacks, membershipPlan } from "~/lib/credit-catalog";
import { creditBalance, creditDebt } from "~/services/credits.server";
import { paginate } from "./paginate.server";

const ledgerRow = { id: true, kind: true, amount: true, debtChange: true, description: true, createdAt: true, expiresAt: true } satisfies Prisma.CreditEntrySelect;
const purchaseRow = { id: true, kind: true, product: true, credits: true, amountMinor: true, refundedMinor: true, currency: true, status: true, createdAt: true, paidAt: true } satisfies Prisma.CreditPurchaseSelect;

/** A user's ledger, newest first, paginated (the billing page's history). */
export function ledgerPage(userId: string, page: number, pageSize = 20) {
  const where = { userId };
  return paginate({ page, pageSize }, {
    count: () => db.creditEntry.count({ where }),
    rows: (window) => db.creditEntry.findMany({ where, orderBy: { createdAt: "desc" }, ...window, select: ledgerRow }),
  });
}

/** A user's purchases, newest first, paginated. */
export function purchasePage(userId: string, page: number, pageSize = 10) {
  const where = { userId, status: { not: "PENDING" as const } };
  return paginate({ page, pageSize }, {
    count: () => db.creditPurchase.count({ where }),
    rows: (window) => db.creditPurchase.findMany({ where, orderBy: { createdAt: "desc" }, ...window, select: purchaseRow }),
  });
}

/** Everything the billing page shows. */
export async function billingOverview(userId: string, { ledgerPage: ledgerPageNumber, purchasesPage }: { ledgerPage: number; purchasesPage: number }) {
  const [balance, owed, membership, user, ledger, purchases] = await Promise.all([
    creditBalance(userId),
    creditDebt(userId),
    db.membership.findUnique({ where: { userId }, select: { plan: true, status: true, currentPeriodEnd: true, cancelAtPeriodEnd: true } }),
    db.user.findUniqueOrThrow({ where: { id: userId }, select: { stripeCustomerId: true } }),
    ledgerPage(userId, ledgerPageNumber),
    purchasePage(userId, purchasesPage),
  ]);
  const paymentMode = getEnv().paymentMode;
  return {
    balance,
    owed,
    membership,
    paymentMode,
    canManageSubscription: paymentMode === "stripe" && Boolean(user.stripeCustomerId),
    packs: creditPacks,
    plan: membershipPlan,
    ledger,
    purchases,
  };
}
