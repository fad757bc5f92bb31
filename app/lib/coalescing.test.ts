import { describe, expect, it } from "vitest";
import { coalescing } from "./coalescing";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

describe("coalescing", () => {
  it("runs a lone call at once", async () => {
    const runs: string[] = [];
    const announce = coalescing(async (key) => void runs.push(key));
    await announce("race-1");
    await announce("race-1");
    expect(runs).toEqual(["race-1", "race-1"]);
  });

  it("folds the calls made during a run into one run that starts after it", async () => {
    const gates: ReturnType<typeof deferred>[] = [];
    const announce = coalescing(() => {
      const gate = deferred();
      gates.push(gate);
      return gate.promise;
    });
    const first = announce("race-1");
    const waiting = [announce("race-1"), announce("race-1"), announce("race-1")];
    expect(gates).toHaveLength(1);
    gates[0]!.resolve();
    await first;
    await new Promise((r) => setTimeout(r, 0));
    expect(gates).toHaveLength(2);
    let settled = false;
    void Promise.all(waiting).then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 0));
    expect(settled).toBe(false);
    gates[1]!.resolve();
    await Promise.all(waiting);
    expect(gates).toHaveLength(2);
  });

  it("keeps keys apart", async () => {
    const gate = deferred();
    const runs: string[] = [];
    const announce = coalescing(async (key) => {
      runs.push(key);
      if (key === "race-1") await gate.promise;
    });
    const slow = announce("race-1");
    await announce("race-2");
    expect(runs).toEqual(["race-1", "race-2"]);
    gate.resolve();
    await slow;
  });

  it("gives a failed run's error to its callers and runs the next calls anyway", async () => {
    const gate = deferred();
    let calls = 0;
    const announce = coalescing(async () => {
      calls += 1;
      if (calls === 1) await gate.promise;
      if (calls === 2) throw new Error("redis away");
    });
    const first = announce("race-1");
    const second = announce("race-1");
    gate.resolve();
    await first;
    await expect(second).rejects.toThrow("redis away");
    await announce("race-1");
    expect(calls).toBe(3);
  });
});
