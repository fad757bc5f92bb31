/** A key's run under way, and the one run that the calls made meanwhile share. */
type Runs = { run: Promise<void>; next: Promise<void> | null };

/**
 * Runs `work(key)` for every caller, but not once each: a call while a run of its key is under way waits for that run
 * to end and shares the one run that starts after it with every other call that arrived meanwhile. Each caller's run
 * still starts after its call, so it sees everything the caller did before calling; a burst of N calls for one key
 * costs two runs, not N. For idempotent announcements (a race's sales changed) sent after every write of a rush.
 */
export function coalescing(work: (key: string) => Promise<void>) {
  const underWay = new Map<string, Runs>();

  const start = (key: string) => {
    const entry: Runs = { run: Promise.resolve(), next: null };
    underWay.set(key, entry);
    entry.run = work(key).finally(() => {
      if (entry.next === null) underWay.delete(key);
    });
    return entry.run;
  };

  return function call(key: string): Promise<void> {
    const entry = underWay.get(key);
    if (!entry) return start(key);
    entry.next ??= entry.run.catch(() => undefined).then(() => start(key));
    return entry.next;
  };
}
