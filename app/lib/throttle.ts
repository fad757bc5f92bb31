/**
 * Runs `work` at most once per `everyMs`: the first call runs at once (leading edge), calls during the
 * wait collapse into one run when it ends (trailing edge), and runs never overlap — a call during a run
 * schedules one more after it. For pushing a value that changes in bursts at a steady cadence.
 */
export function throttle(work: () => Promise<void>, everyMs: number) {
  let lastStart = -Infinity;
  let running = false;
  let wanted = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const run = async () => {
    timer = undefined;
    running = true;
    wanted = false;
    lastStart = Date.now();
    try {
      await work();
    } catch {
      // The caller's work reports its own failures; the next call tries again.
    } finally {
      running = false;
      if (wanted) schedule();
    }
  };

  function schedule() {
    if (running) return void (wanted = true);
    if (timer) return;
    const wait = Math.max(0, lastStart + everyMs - Date.now());
    if (wait === 0) void run();
    else {
      timer = setTimeout(() => void run(), wait);
      timer.unref?.();
    }
  }

  return {
    /** Asks for a run: now, or at the end of the current wait. */
    request: schedule,
    /** Drops a run that was asked for and not started. */
    cancel() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      wanted = false;
    },
  };
}
