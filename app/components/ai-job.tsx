import { Link } from "@remix-run/react";
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from "react";
import type { AiJobView } from "~/validation/ai-jobs";
import { Badge } from "./ui";
import { useEventSource } from "./use-event-source";

const statusLabels: Record<AiJobView["status"], { text: string; tone: "neutral" | "good" | "warn" | "bad" }> = {
  QUEUED: { text: "queued", tone: "neutral" },
  RUNNING: { text: "running", tone: "warn" },
  STREAMING: { text: "writing…", tone: "warn" },
  DONE: { text: "done", tone: "good" },
  FAILED: { text: "failed", tone: "bad" },
};

export const isFinished = (job: AiJobView | null) => job?.status === "DONE" || job?.status === "FAILED";

/** Follows one job's live feed while it is mounted; the parent unmounts it once the job is finished. */
function FollowJob({ jobId, onSnapshot, onLink }: { jobId: string; onSnapshot: (job: AiJobView) => void; onLink: (live: boolean) => void }) {
  const { status } = useEventSource(`/ai-jobs/${jobId}/live`, { snapshot: (data) => onSnapshot(data as AiJobView) });
  useEffect(() => onLink(status === "live"), [status, onLink]);
  return null;
}

/**
 * Starts an AI job through /ai-jobs/new and follows it live over /ai-jobs/:id/live until it is done
 * or failed. The form stays a plain form post, so it works (landing on the job page) before JS loads.
 * Render `follower` somewhere on the page: it holds the live link while the job runs.
 */
export function useAiJob(initial: AiJobView | null = null) {
  const [job, setJob] = useState<AiJobView | null>(initial);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [live, setLive] = useState(false);
  const follower = job && !isFinished(job) ? <FollowJob key={job.id} jobId={job.id} onSnapshot={setJob} onLink={setLive} /> : null;

  const onSubmit = useCallback((event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    setStarting(true);
    setError(null);
    void (async () => {
      try {
        const response = await fetch(form.action, { method: "POST", body: new FormData(form), headers: { Accept: "application/json" } });
        const body = (await response.json().catch(() => ({ error: `Could not start (HTTP ${response.status}).` }))) as { job?: AiJobView; error?: string };
        if (!response.ok || !body.job) {
          setError(body.error ?? `Could not start (HTTP ${response.status}).`);
          return;
        }
        setJob(body.job);
      } catch {
        setError("Could not reach the server. Check your connection and try again.");
      } finally {
        setStarting(false);
      }
    })();
  }, []);

  return { job, error, starting, live, follower, onSubmit, busy: starting || (job !== null && !isFinished(job)) };
}

/** The live status and text of a job, announced politely as it grows. */
export function AiJobOutput({ job, live, label, children }: { job: AiJobView | null; live: boolean; label: string; children?: ReactNode }) {
  if (!job) return null;
  const status = statusLabels[job.status];
  return (
    <div className="mt-3 flex flex-col gap-2">
      <p className="flex items-center gap-2 text-sm text-slate-700">
        <span>Status:</span> <Badge tone={status.tone}>{status.text}</Badge>
        {!isFinished(job) ? <span className="text-xs text-slate-500">{live ? "live" : "connecting…"}</span> : null}
      </p>
      {job.status === "FAILED" && job.error ? (
        <p role="alert" className="text-sm text-red-700">
          {job.error}
        </p>
      ) : job.status === "QUEUED" && job.error ? (
        <p className="text-sm text-amber-800">{job.error}</p>
      ) : null}
      <div aria-live="polite" aria-label={label} className="min-h-12 whitespace-pre-wrap rounded-lg bg-slate-50 p-3 text-sm text-slate-800 ring-1 ring-slate-200">
        {job.result || (isFinished(job) ? "" : "…")}
      </div>
      {children}
      <Link to="/ai-jobs" className="text-sm font-medium text-brand-700 underline">
        All my AI jobs
      </Link>
    </div>
  );
}

export function AiNotConfigured({ message }: { message: string }) {
  return <p className="text-sm text-slate-600">{message}</p>;
}
