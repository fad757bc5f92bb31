/**
 * Pure rules of the virtual queue (docs/decisions/0050-virtual-queue.md): the pre-queue shuffle, how many
 * may be admitted now, and what a waiting page derives from the per-tick broadcast.
 */

/** A uniform random permutation (Fisher–Yates); `randomBelow(n)` must return an integer in [0, n) uniformly. */
export function shuffled<T>(items: readonly T[], randomBelow: (n: number) => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomBelow(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export type AdmissionLimits = {
  /** How many the caller wants to admit (the rate credit, or the organiser's N). */
  wanted: number;
  /** Places not sold and not held by a checkout. */
  placesLeft: number;
  /** Called people who have not started their checkout yet: each may still take a place. */
  passesUnused: number;
  checkoutCap: number;
  /** Called plus in checkout. */
  inCheckout: number;
};

/** Never more than places left minus places the unused passes may take, never past the in-checkout cap. */
export function admissible({ wanted, placesLeft, passesUnused, checkoutCap, inCheckout }: AdmissionLimits) {
  return Math.max(0, Math.min(Math.floor(wanted), placesLeft - passesUnused, checkoutCap - inCheckout));
}

/** The rate credit after `elapsedMs` at `perMinute`, capped so a stopped worker does not burst when it returns. */
export function accruedCredit(credit: number, perMinute: number, elapsedMs: number, tickMs: number) {
  const cap = Math.max(1, (perMinute * tickMs) / 60_000);
  return Math.min(cap, credit + (perMinute * Math.max(0, elapsedMs)) / 60_000);
}

/** One broadcast per tick per race; nothing in it is personal. */
export type QueueFrame = {
  type: "queue";
  servingUpTo: number;
  admitted: number;
  left: number;
  /** People waiting now (the length of the line), called or in checkout, and registered through the queue. */
  waiting: number;
  inCheckout: number;
  registered: number;
  ratePerMinute: number;
  paused: boolean;
  soldOut: boolean;
  open: boolean;
  /** The pre-queue has been given its numbers: pages still without one read theirs. */
  drawn: boolean;
};

/** What a page knew exactly when it loaded: its number, the people ahead then, and `admitted` then. */
export type ExactPosition = { number: number | null; ahead: number; admittedThen: number };

/**
 * People ahead, derived from a newer frame: everyone admitted since was ahead (admission takes the lowest
 * numbers), and nobody numbered at or below `servingUpTo` is still waiting. Both bounds only fall, so a
 * position never goes up; people ahead who left are seen at the next exact read.
 */
export function aheadNow(exact: ExactPosition, frame: Pick<QueueFrame, "servingUpTo" | "admitted">) {
  if (exact.number === null) return exact.ahead;
  const byAdmissions = exact.ahead - Math.max(0, frame.admitted - exact.admittedThen);
  const byNumbers = exact.number - frame.servingUpTo - 1;
  return Math.max(0, Math.min(byAdmissions, byNumbers));
}

/** Called once the broadcast is serving this number. */
export function isCalled(number: number | null, servingUpTo: number) {
  return number !== null && servingUpTo >= number;
}

/** Minutes until one's turn at the measured rate; null when nothing is measured yet. */
export function etaMinutes(ahead: number, ratePerMinute: number) {
  if (ratePerMinute <= 0) return null;
  return Math.max(1, Math.ceil((ahead + 1) / ratePerMinute));
}

/** The worker's admission tick runs this often; the rate credit is capped at one tick's worth. */
export const ADMISSION_TICK_MS = 1_000;

/** The buyer's queue page for a race. */
export function queuePath(slug: string) {
  return `/races/${slug}/queue`;
}
