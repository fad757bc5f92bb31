/**
 * What workers did, read from their JSON logs ("job started" / "job completed" / "job failed" lines with the
 * job's id and attempt): the scenarios count runs per job from what the processes printed, not from what they
 * were asked to do.
 */

type JobLine = { msg?: string; job?: string; jobId?: string; attempt?: number; time?: string };

function jobLines(output: readonly string[]) {
  const lines: JobLine[] = [];
  for (const line of output) {
    if (!line.startsWith("{")) continue;
    const entry = JSON.parse(line) as JobLine;
    if (entry.jobId) lines.push(entry);
  }
  return lines;
}

/** Job ids a worker has started and not finished. */
export function runningJobs(output: readonly string[]) {
  const running = new Set<string>();
  for (const entry of jobLines(output)) {
    if (entry.msg === "job started") running.add(entry.jobId!);
    else if (entry.msg === "job completed" || entry.msg === "job failed") running.delete(entry.jobId!);
  }
  return running;
}

/** How many jobs of this name a worker has completed. */
export function completedJobs(output: readonly string[], name: string) {
  return jobLines(output).filter((entry) => entry.msg === "job completed" && entry.job === name).length;
}

/** Job ids a worker completed (each once per completion). */
export function completedIds(output: readonly string[]) {
  return jobLines(output).filter((entry) => entry.msg === "job completed").map((entry) => entry.jobId!);
}

/** How many times each job was started, over the logs of every worker given (a job id → runs). */
export function runsPerJob(outputs: readonly (readonly string[])[], keep: (jobId: string) => boolean = () => true) {
  const runs = new Map<string, number>();
  for (const output of outputs) {
    for (const entry of jobLines(output)) {
      if (entry.msg !== "job started" || !keep(entry.jobId!)) continue;
      runs.set(entry.jobId!, (runs.get(entry.jobId!) ?? 0) + 1);
    }
  }
  return runs;
}

/** Attempts that ended in a failure that will be retried, per job name (the warnings operators see in the log). */
export function retriedFailures(outputs: readonly (readonly string[])[]) {
  const failures = new Map<string, number>();
  for (const output of outputs) {
    for (const line of output) {
      if (!line.startsWith("{") || !line.includes('"msg":"job failed"')) continue;
      const entry = JSON.parse(line) as JobLine & { final?: boolean };
      if (entry.final) continue;
      failures.set(entry.job ?? "?", (failures.get(entry.job ?? "?") ?? 0) + 1);
    }
  }
  return failures;
}
