/** How long an informational toast stays on screen before it hides itself. */
export const TOAST_HIDE_AFTER_MS = 6_000;

/** At most this many toasts stack at once: more would cover the page on a phone. */
export const MAX_TOASTS = 3;

/**
 * Notification kinds that report something going wrong and may need the person to act: their toasts stay
 * until closed. Everything else is news that hides itself (it stays on the notifications page).
 */
const STICKY_KINDS = new Set([
  "membership_past_due",
  "operator.alert",
  "order.refunded_payment",
  "payment.discount_lost",
  "payment.refund_failed",
  "payment.rejected",
  "queue.backlog",
  "race_cancelled",
  "reconciliation.mismatch",
  "refund_failed",
  "room.removed",
  "webhook.signature_failures",
  "worker.stale",
]);

export function toastStaysUntilClosed(kind: string) {
  return STICKY_KINDS.has(kind);
}

/** The toasts to show: newest first, none the person has seen hide, at most MAX_TOASTS. */
export function toastsToShow<T extends { id: string }>(notifications: readonly T[], hidden: ReadonlySet<string>) {
  return notifications.filter((notification) => !hidden.has(notification.id)).slice(0, MAX_TOASTS);
}
