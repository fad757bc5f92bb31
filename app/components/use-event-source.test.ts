import { describe, expect, it } from "vitest";
import { OFFLINE_AFTER_FAILURES, retryDelayMs, statusAfterFailures } from "./use-event-source";

describe("live link retries", () => {
  it("says Reconnecting… until several attempts in a row failed, then Offline", () => {
    expect(statusAfterFailures(0)).toBe("reconnecting");
    expect(statusAfterFailures(OFFLINE_AFTER_FAILURES - 1)).toBe("reconnecting");
    expect(statusAfterFailures(OFFLINE_AFTER_FAILURES)).toBe("offline");
  });

  it("retries soon after a drop, backs off, and once offline tries every 7.5–15 s", () => {
    expect(retryDelayMs(0)).toBeLessThanOrEqual(1_000);
    expect(retryDelayMs(2)).toBeGreaterThanOrEqual(1_000);
    expect(retryDelayMs(2)).toBeLessThanOrEqual(2_000);
    for (let i = 0; i < 20; i += 1) {
      const offline = retryDelayMs(OFFLINE_AFTER_FAILURES + i);
      expect(offline).toBeGreaterThanOrEqual(7_500);
      expect(offline).toBeLessThanOrEqual(15_000);
    }
  });
});
