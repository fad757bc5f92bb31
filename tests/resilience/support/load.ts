import { deliverWebhook, signWebhook } from "../../mocks/stripe";

/**
 * Bounded load: every loop here has a fixed number of items and a deadline, and talks to loopback
 * addresses only.
 */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` over `items` with at most `concurrency` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>) {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Starts `fn` for each item at `perSecond` (open loop: it does not wait for answers), resolving with every result. */
export async function paced<T, R>(items: readonly T[], perSecond: number, fn: (item: T, index: number) => Promise<R>) {
  const started = Date.now();
  const pending: Promise<R>[] = [];
  for (const [index, item] of items.entries()) {
    const due = started + (index * 1000) / perSecond;
    if (due > Date.now()) await sleep(due - Date.now());
    pending.push(fn(item, index));
  }
  return Promise.all(pending);
}

/** One delivery attempt: the answer's status (0: no answer), how long it took, and when it started. */
export type Attempt = { status: number; ms: number; at: number };
export type Delivery = { eventId: string; attempts: Attempt[]; delivered: boolean };

/**
 * Delivers one event the way Stripe does: signed at each attempt, retried after any non-2xx answer, network error
 * or timeout, with a growing pause (Stripe backs off over three days; here from `retryAfterMs`, doubling up to
 * 15 s) until `deadline`.
 */
export async function deliverLikeStripe(url: string, event: { id: string }, secret: string, { retryAfterMs = 1_000, deadline = Date.now() + 120_000, timeoutMs = 20_000 } = {}) {
  const payload = JSON.stringify(event);
  const delivery: Delivery = { eventId: event.id, attempts: [], delivered: false };
  for (;;) {
    const started = Date.now();
    let status = 0;
    try {
      const response = await Promise.race([
        deliverWebhook(url, payload, signWebhook(payload, secret)),
        sleep(timeoutMs).then(() => {
          throw new Error("timeout");
        }),
      ]);
      status = response.status;
      await response.body?.cancel();
    } catch {
      status = 0;
    }
    delivery.attempts.push({ status, ms: Date.now() - started, at: started });
    if (status >= 200 && status < 300) {
      delivery.delivered = true;
      return delivery;
    }
    const pause = Math.min(15_000, retryAfterMs * 2 ** (delivery.attempts.length - 1));
    if (Date.now() + pause > deadline) return delivery;
    await sleep(pause);
  }
}

/** Polls until `done` says yes; throws with the last value when the deadline passes. */
export async function waitUntil<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await sleep(everyMs);
    value = await read();
  }
  return value;
}

export function percentile(values: number[], p: number) {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** How late this process's timers fire (its event loop busy or starved of CPU): the worst delay seen. */
export function watchEventLoopLag(everyMs = 100) {
  let worst = 0;
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    worst = Math.max(worst, now - last - everyMs);
    last = now;
  }, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return worst;
    },
  };
}
