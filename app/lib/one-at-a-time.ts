/**
 * Runs tasks that share a key one after another, in the order they arrive, and tasks of different keys side by
 * side. For work that a database lock serialises anyway (one user's credit ledger): waiting here, in memory,
 * instead of in a pooled connection that is blocked on the lock, keeps the pool free for everyone else and keeps
 * a queue of such tasks from timing out while waiting for a connection.
 */
export function oneAtATime() {
  const tails = new Map<string, Promise<unknown>>();
  return function inTurn<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}
