import type { OrderStatus } from "@prisma/client";

/**
 * An order's status once `refundedMinor` of its `totalMinor` has been paid back and `validTickets` are
 * still valid. A free order counts as refunded only when none of its tickets is valid any more.
 */
export function statusAfterRefund(totalMinor: number, refundedMinor: number, validTickets: number): OrderStatus {
  if (refundedMinor >= totalMinor && (totalMinor > 0 || validTickets === 0)) return "REFUNDED";
  return "PARTIALLY_REFUNDED";
}

/**
 * An order's status once a refund of it failed and was undone: PAID again when nothing is refunded any more and no
 * ticket stays cancelled; otherwise as after any refund (a ticket whose place was re-sold stays cancelled, so the
 * order stays refundable for the organiser to settle).
 */
export function statusAfterFailedRefund(totalMinor: number, refundedMinor: number, validTickets: number, cancelledTickets: number): OrderStatus {
  if (refundedMinor === 0 && cancelledTickets === 0) return "PAID";
  return statusAfterRefund(totalMinor, refundedMinor, validTickets);
}
