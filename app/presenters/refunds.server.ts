import { db } from "~/utils/db.server";
import { stripeClient } from "~/utils/stripe.server";
import { REFUNDABLE_STATUSES } from "~/services/order-refunds.server";

export type CancellationProgress = {
  total: number;
  done: number;
  waiting: number;
  failedCount: number;
  refundedMinor: number;
  failed: { orderId: string; buyerName: string; error: string }[];
};

/** How far the refunds of a cancelled race are (what the race page shows, live). */
export async function cancellationProgress(raceId: string): Promise<CancellationProgress> {
  const [counts, refunded, failed] = await Promise.all([
    db.cancellationRefund.groupBy({ by: ["status"], where: { raceId }, _count: { _all: true } }),
    db.cancellationRefund.aggregate({ where: { raceId, status: "DONE" }, _sum: { amountMinor: true } }),
    db.cancellationRefund.findMany({
      where: { raceId, status: "FAILED" },
      orderBy: { updatedAt: "desc" },
      take: 20,
      select: { orderId: true, error: true, order: { select: { buyerName: true } } },
    }),
  ]);
  const count = (status: string) => counts.find((c) => c.status === status)?._count._all ?? 0;
  return {
    total: counts.reduce((sum, c) => sum + c._count._all, 0),
    done: count("DONE"),
    waiting: count("QUEUED"),
    failedCount: count("FAILED"),
    refundedMinor: refunded._sum.amountMinor ?? 0,
    failed: failed.map((row) => ({ orderId: row.orderId, buyerName: row.order.buyerName, error: row.error ?? "unknown error" })),
  };
}

/** What the organiser's refund section shows for an order of their race; null for another race's order. */
export async function orderRefundSummary(raceId: string, orderId: string) {
  const order = await db.order.findFirst({
    where: { id: orderId, raceId },
    select: { id: true, status: true, currency: true, totalMinor: true, refundedMinor: true, stripePaymentIntentId: true },
  });
  if (!order) return null;
  const { stripePaymentIntentId, ...fields } = order;
  const canRefund = REFUNDABLE_STATUSES.includes(order.status);
  return {
    ...fields,
    refundableMinor: canRefund ? order.totalMinor - order.refundedMinor : 0,
    throughStripe: Boolean(stripePaymentIntentId) && stripeClient() !== null,
    canRefund,
  };
}
