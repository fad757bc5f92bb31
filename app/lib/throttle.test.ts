import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { throttle } from "./throttle";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("throttle", () => {
  it("runs the first request at once and collapses a burst into one trailing run", async () => {
    const work = vi.fn(async () => undefined);
    const pushed = throttle(work, 1_000);
    pushed.request();
    expect(work).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 50; i++) pushed.request();
    await vi.advanceTimersByTimeAsync(999);
    expect(work).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(work).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(work).toHaveBeenCalledTimes(2);
  });

  it("never overlaps runs: a request during a slow run runs once after it", async () => {
    let finish: () => void = () => undefined;
    const work = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const pushed = throttle(work, 100);
    pushed.request();
    await vi.advanceTimersByTimeAsync(500);
    pushed.request();
    pushed.request();
    expect(work).toHaveBeenCalledTimes(1);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(work).toHaveBeenCalledTimes(2);
  });

  it("keeps going after a failed run and can be cancelled", async () => {
    const work = vi.fn(async () => {
      throw new Error("redis away");
    });
    const pushed = throttle(work, 100);
    pushed.request();
    await vi.advanceTimersByTimeAsync(0);
    pushed.request();
    pushed.cancel();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(work).toHaveBeenCalledTimes(1);
    pushed.request();
    expect(work).toHaveBeenCalledTimes(2);
  });
});
