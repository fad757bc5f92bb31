type Waiting<Item, Result> = { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void };

type GroupCommitOptions<Item, Result> = {
  /** The most items written together. */
  maxBatch: number;
  /**
   * Writes the items as one transaction; one result per item, in order. Rejects if any item fails. A failed batch's
   * items are written again one by one, so writing an item again must be safe (a commit whose reply was lost).
   */
  write: (items: Item[]) => Promise<Result[]>;
  /** Items with the same `apart` key never go in one batch: a later one waits for the next. */
  apart?: (item: Item) => string;
};

/**
 * Group commit per key (a race): the first item of a key is written at once; items of that key that arrive while its
 * write runs wait and go together in the next one, up to `maxBatch`, so a rush takes the key's locks and commits once
 * per batch instead of once per item, each item in a connection of its own queueing on the same row lock (ADR 0086,
 * ADR 0114). If a batch fails, each of its items is written alone, so one item's error stays its own.
 */
export function groupCommit<Item, Result>({ maxBatch, write, apart }: GroupCommitOptions<Item, Result>) {
  const waitingByKey = new Map<string, Waiting<Item, Result>[]>();
  /** The key's writing under way: it ends once none of its items waits. */
  const writingByKey = new Map<string, Promise<void>>();

  const nextBatch = (waiting: Waiting<Item, Result>[]) => {
    if (!apart) return waiting.splice(0, maxBatch);
    const batch: Waiting<Item, Result>[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < waiting.length && batch.length < maxBatch; ) {
      const key = apart(waiting[i]!.item);
      if (keys.has(key)) {
        i += 1;
        continue;
      }
      keys.add(key);
      batch.push(...waiting.splice(i, 1));
    }
    return batch;
  };

  /** The write's results, one per item, or a rejection (a write that answers for the wrong number of items too). */
  const written = async (items: Item[]) => {
    const results = await write(items);
    if (!Array.isArray(results) || results.length !== items.length) throw new Error(`a group commit wrote ${items.length} items but answered for ${Array.isArray(results) ? results.length : "none"}`);
    return results;
  };

  const writeAlone = async (entry: Waiting<Item, Result>) => {
    await written([entry.item]).then(([result]) => entry.resolve(result!), entry.reject);
  };

  /** Writes the key's waiting items batch after batch until none wait (then forgets the key, in the same tick). */
  const writeBatches = async (key: string) => {
    for (;;) {
      const waiting = waitingByKey.get(key)!;
      if (waiting.length === 0) {
        waitingByKey.delete(key);
        return;
      }
      const batch = nextBatch(waiting);
      if (batch.length === 1) {
        await writeAlone(batch[0]!);
        continue;
      }
      const results = await written(batch.map((entry) => entry.item)).catch(() => null);
      if (results) batch.forEach((entry, i) => entry.resolve(results[i]!));
      else for (const entry of batch) await writeAlone(entry);
    }
  };

  /** If the loop itself fails, the items still waiting are answered with its error, and the key starts afresh. */
  const drain = (key: string) =>
    writeBatches(key).catch((error: unknown) => {
      const waiting = waitingByKey.get(key) ?? [];
      waitingByKey.delete(key);
      for (const entry of waiting) entry.reject(error);
    });

  return {
    /** Writes `item` with the key's next batch; resolves with its result. */
    add(key: string, item: Item) {
      return new Promise<Result>((resolve, reject) => {
        const entry = { item, resolve, reject };
        const waiting = waitingByKey.get(key);
        if (waiting) {
          waiting.push(entry);
          return;
        }
        waitingByKey.set(key, [entry]);
        const writing: Promise<void> = drain(key).finally(() => {
          if (writingByKey.get(key) === writing) writingByKey.delete(key);
        });
        writingByKey.set(key, writing);
      });
    },
    /** Resolves once the key has nothing written or waiting (at once if it has none now). */
    idle(key: string) {
      return writingByKey.get(key) ?? Promise.resolve();
    },
  };
}
