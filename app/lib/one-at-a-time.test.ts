import { describe, expect, it } from "vitest";
import { oneAtATime } from "./one-at-a-time";

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe("oneAtATime", () => {
  it("runs tasks of one key in arrival order, never two at once, and keys side by side", async () => {
    const inTurn = oneAtATime();
    const running = new Map<string, number>();
    let most = 0;
    const log: string[] = [];
    const task = (key: string, n: number) => async () => {
      running.set(key, (running.get(key) ?? 0) + 1);
      most = Math.max(most, running.get(key)!);
      await tick();
      log.push(`${key}${n}`);
      running.set(key, running.get(key)! - 1);
      return n;
    };
    const results = await Promise.all([inTurn("a", task("a", 1)), inTurn("b", task("b", 1)), inTurn("a", task("a", 2)), inTurn("a", task("a", 3))]);
    expect(results).toEqual([1, 1, 2, 3]);
    expect(most).toBe(1);
    expect(log.filter((l) => l.startsWith("a"))).toEqual(["a1", "a2", "a3"]);
    expect(log.indexOf("b1")).toBeLessThan(log.indexOf("a2"));
  });

  it("goes on with the next task after one fails, and passes the failure to its caller", async () => {
    const inTurn = oneAtATime();
    const failed = inTurn("a", async () => {
      throw new Error("boom");
    });
    const next = inTurn("a", async () => "next");
    await expect(failed).rejects.toThrow("boom");
    await expect(next).resolves.toBe("next");
  });
});
