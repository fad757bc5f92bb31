import type { MinimalJob } from "bullmq";
import { describe, expect, it } from "vitest";
import { backoffDelay, RetryLaterError, retryAfterMs } from "./retry";

const job = (delay: number, jitter = 0) => ({ opts: { backoff: { type: "exponential-or-retry-after", delay, jitter } } }) as unknown as MinimalJob;

describe("backoffDelay", () => {
  it("doubles from the job's delay, within its jitter", () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, undefined, new Error("busy"), job(2_000)))).toEqual([2_000, 4_000, 8_000, 16_000]);
    for (let i = 0; i < 50; i++) {
      const delay = backoffDelay(3, undefined, new Error("busy"), job(2_000, 0.5));
      expect(delay).toBeGreaterThanOrEqual(4_000);
      expect(delay).toBeLessThanOrEqual(8_000);
    }
  });

  it("waits at least as long as a RetryLaterError asks, and no less than the backoff", () => {
    expect(backoffDelay(1, undefined, new RetryLaterError("later", 30_000), job(2_000))).toBe(30_000);
    expect(backoffDelay(5, undefined, new RetryLaterError("later", 1_000), job(2_000))).toBe(32_000);
  });

  it("honours the Retry-After an API error carries, as Stripe's (plain headers) and OpenAI's (Headers) SDKs report it", () => {
    const stripeRateLimit = Object.assign(new Error("Too many requests"), { statusCode: 429, headers: { "retry-after": "7" } });
    const openAiBusy = Object.assign(new Error("busy"), { status: 503, headers: new Headers({ "Retry-After": "9" }) });
    expect(backoffDelay(1, undefined, stripeRateLimit, job(2_000))).toBe(7_000);
    expect(backoffDelay(1, undefined, openAiBusy, job(2_000))).toBe(9_000);
    expect(backoffDelay(1, undefined, Object.assign(new Error("no hint"), { headers: { "request-id": "req_1" } }), job(2_000))).toBe(2_000);
  });
});

describe("retryAfterMs", () => {
  it("reads seconds or an HTTP date, and nothing else", () => {
    expect(retryAfterMs("3")).toBe(3_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(retryAfterMs("soon")).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
  });
});
