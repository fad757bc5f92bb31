import type { OrderStatus } from "@prisma/client";

/**
 * An order's status once `refundedMinor` of its `totalMinor` has been paid back and `validTickets` are
 * still valid. A free order counts as refunded only when none of its tickets is valid any more.
 */
export function statusAfterRefund(totalMinor: number, refundedMinor: number, validTickets: number): OrderStatus {
  if (refundedMinor >= totalMinor && (totalMinor > 0 || validTickets === 0)) return "REFUNDED";
  return "PARTIALLY_REFUNDED";
}
