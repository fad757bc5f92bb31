import type { Prisma } from "@prisma/client";
import { db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { creditPacks, membershipPlan } from "~/lib/credit-catalog";
import { balanceBreakdown, purchaseCredits } from "~/lib/credit-state";
import { creditBalance, creditDebt } from "~/services/credits.server";
import { membershipView } from "~/services/memberships.server";
import { aiJobCosts } from "~/validation/ai-jobs";
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

/** What is left of each paid purchase's credits ("used up", "expired", or how many are left until when). */
async function withCredits<P extends { id: string; credits: number; status: string }>(purchases: P[], now: Date) {
  const grants = await db.creditEntry.findMany({
    where: { purchaseId: { in: purchases.map((p) => p.id) }, kind: "GRANT" },
    select: { id: true, purchaseId: true, remaining: true, expiresAt: true },
  });
  const expiries = await db.creditEntry.findMany({ where: { idempotencyKey: { in: grants.map((g) => `expiry:${g.id}`) } }, select: { idempotencyKey: true, amount: true } });
  const expiredBy = new Map(expiries.map((e) => [e.idempotencyKey, -e.amount]));
  return purchases.map((purchase) => {
    const grant = grants.find((g) => g.purchaseId === purchase.id);
    const credits =
      purchase.status === "PAID" && grant
        ? purchaseCredits({ credits: purchase.credits, remaining: grant.remaining, expiresAt: grant.expiresAt, expiredCredits: expiredBy.get(`expiry:${grant.id}`) ?? 0 }, now)
        : null;
    return { ...purchase, creditsLeft: credits };
  });
}

/** A user's purchases, newest first, paginated, each with what is left of its credits. */
export async function purchasePage(userId: string, page: number, pageSize = 10, now = new Date()) {
  const where = { userId, status: { not: "PENDING" as const } };
  const result = await paginate({ page, pageSize }, {
    count: () => db.creditPurchase.count({ where }),
    rows: (window) => db.creditPurchase.findMany({ where, orderBy: { createdAt: "desc" }, ...window, select: purchaseRow }),
  });
  return { ...result, items: await withCredits(result.items, now) };
}

/** Which credits of the balance expire when. */
async function breakdownOf(userId: string, balance: number) {
  const grants = await db.creditEntry.findMany({ where: { userId, remaining: { gt: 0 }, expiresAt: { not: null } }, select: { remaining: true, expiresAt: true } });
  return balanceBreakdown(
    balance,
    grants.map((g) => ({ remaining: g.remaining!, expiresAt: g.expiresAt! })),
  );
}

/** Everything the billing page shows. */
export async function billingOverview(userId: string, { ledgerPage: ledgerPageNumber, purchasesPage }: { ledgerPage: number; purchasesPage: number }) {
  const [balance, owed, membership, user, ledger, purchases] = await Promise.all([
    creditBalance(userId),
    creditDebt(userId),
    membershipView(userId),
    db.user.findUniqueOrThrow({ where: { id: userId }, select: { stripeCustomerId: true } }),
    ledgerPage(userId, ledgerPageNumber),
    purchasePage(userId, purchasesPage),
  ]);
  const { paymentMode, aiConfigured } = getEnv();
  return {
    balance,
    owed,
    breakdown: await breakdownOf(userId, balance),
    membership,
    paymentMode,
    canManageSubscription: paymentMode === "stripe" && Boolean(user.stripeCustomerId),
    /** Packs are on sale only when something can spend their credits (AI help is configured). */
    packs: aiConfigured ? creditPacks : [],
    aiConfigured,
    aiCosts: aiJobCosts,
    plan: membershipPlan,
    ledger,
    purchases,
  };
}
