import { describe, expect, it } from "vitest";
import { groupCommit } from "./group-commit";

type Item = { id: string; buyer?: string; fails?: boolean };

/** A writer that records each batch and answers once `release()` is called (or at once with `instant`). */
function recordingWriter({ instant = false } = {}) {
  const batches: string[][] = [];
  const pending: (() => void)[] = [];
  const write = (items: Item[]) => {
    batches.push(items.map((item) => item.id));
    const answer = () => (items.some((item) => item.fails) ? Promise.reject(new Error(`refused ${items.find((i) => i.fails)!.id}`)) : Promise.resolve(items.map((item) => `wrote ${item.id}`)));
    if (instant) return answer();
    return new Promise<string[]>((resolve, reject) => pending.push(() => answer().then(resolve, reject)));
  };
  const release = async () => {
    while (pending.length > 0) {
      pending.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  };
  return { batches, write, release };
}

describe("groupCommit", () => {
  it("writes a lone item at once, and the items that arrive meanwhile together in the next write", async () => {
    const writer = recordingWriter();
    const { add: enqueue } = groupCommit<Item, string>({ maxBatch: 10, write: writer.write });
    const first = enqueue("race-1", { id: "a" });
    expect(writer.batches).toEqual([["a"]]);
    const later = ["b", "c", "d"].map((id) => enqueue("race-1", { id }));
    expect(writer.batches).toEqual([["a"]]);
    await writer.release();
    expect(await first).toBe("wrote a");
    expect(await Promise.all(later)).toEqual(["wrote b", "wrote c", "wrote d"]);
    expect(writer.batches).toEqual([["a"], ["b", "c", "d"]]);
  });

  it("writes each key on its own, and no more than maxBatch items at once", async () => {
    const writer = recordingWriter();
    const { add: enqueue } = groupCommit<Item, string>({ maxBatch: 2, write: writer.write });
    const results = [enqueue("race-1", { id: "a" }), enqueue("race-2", { id: "x" }), enqueue("race-1", { id: "b" }), enqueue("race-1", { id: "c" }), enqueue("race-1", { id: "d" })];
    await writer.release();
    expect(await Promise.all(results)).toEqual(["wrote a", "wrote x", "wrote b", "wrote c", "wrote d"]);
    expect(writer.batches).toEqual([["a"], ["x"], ["b", "c"], ["d"]]);
  });

  it("never puts two items with the same `apart` key in one write: the later one waits for the next", async () => {
    const writer = recordingWriter();
    const { add: enqueue } = groupCommit<Item, string>({ maxBatch: 10, write: writer.write, apart: (item) => item.buyer! });
    const results = [
      enqueue("race-1", { id: "a", buyer: "ann" }),
      enqueue("race-1", { id: "b", buyer: "bob" }),
      enqueue("race-1", { id: "c", buyer: "bob" }),
      enqueue("race-1", { id: "d", buyer: "cat" }),
      enqueue("race-1", { id: "e", buyer: "bob" }),
    ];
    await writer.release();
    expect(await Promise.all(results)).toEqual(["wrote a", "wrote b", "wrote c", "wrote d", "wrote e"]);
    expect(writer.batches).toEqual([["a"], ["b", "d"], ["c"], ["e"]]);
  });

  it("writes each item of a failed batch alone, so only the failing item's caller sees the error", async () => {
    const writer = recordingWriter({ instant: true });
    const { add: enqueue } = groupCommit<Item, string>({ maxBatch: 10, write: writer.write });
    const results = Promise.allSettled([enqueue("race-1", { id: "a" }), enqueue("race-1", { id: "b" }), enqueue("race-1", { id: "c", fails: true }), enqueue("race-1", { id: "d" })]);
    const settled = await results;
    expect(settled.map((r) => (r.status === "fulfilled" ? r.value : String(r.reason)))).toEqual(["wrote a", "wrote b", "Error: refused c", "wrote d"]);
    expect(writer.batches).toEqual([["a"], ["b", "c", "d"], ["b"], ["c"], ["d"]]);
  });

  it("answers every caller with an error when a write answers for the wrong number of items, and goes on with the next", async () => {
    let calls = 0;
    const { add: enqueue } = groupCommit<Item, string>({ maxBatch: 10, write: async (items) => (calls++ < 2 ? items.slice(1).map((item) => item.id) : items.map((item) => `wrote ${item.id}`)) });
    const settled = await Promise.allSettled([enqueue("race-1", { id: "a" }), enqueue("race-1", { id: "b" })]);
    expect(settled.map((r) => (r.status === "fulfilled" ? r.value : String(r.reason)))).toEqual([
      "Error: a group commit wrote 1 items but answered for 0",
      "Error: a group commit wrote 1 items but answered for 0",
    ]);
    expect(await enqueue("race-1", { id: "c" })).toBe("wrote c");
  });
});
