import { useState } from "react";
import { AI_NOT_CONFIGURED, aiJobCosts } from "~/validation/ai-jobs";
import { AiJobOutput, useAiJob } from "./ai-job";
import { TextAreaField } from "./fields";
import { Button, Card } from "./ui";
import { counted } from "~/lib/plural";

/** Puts text into the race form's Description field as if typed, so the form library sees the change. */
function fillDescription(text: string) {
  const field = document.querySelector<HTMLTextAreaElement>('textarea[name="description"]');
  if (!field) return false;
  Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value")?.set?.call(field, text);
  field.dispatchEvent(new Event("input", { bubbles: true }));
  field.dispatchEvent(new Event("change", { bubbles: true }));
  field.focus();
  return true;
}

/** "Draft with AI": bullet points in, a race description streamed live, one click to use it. */
export function AiDraftPanel({ raceId, configured }: { raceId: string; configured: boolean }) {
  const { job, error, starting, live, busy, follower, onSubmit } = useAiJob();
  const [used, setUsed] = useState(false);
  const cost = aiJobCosts.RACE_DESCRIPTION;
  return (
    <Card className="max-w-2xl">
      {follower}
      <h2 className="text-xl font-semibold">Draft with AI</h2>
      {!configured ? (
        <p className="mt-2 text-sm text-slate-600">{AI_NOT_CONFIGURED}</p>
      ) : (
        <>
          <p className="mt-1 text-sm text-slate-600">{`Write a few bullet points; AI drafts the description from them. Costs ${counted(cost, "credit")}, refunded if it fails.`}</p>
          <form method="post" action="/ai-jobs/new" onSubmit={onSubmit} className="mt-3 flex flex-col gap-3">
            <input type="hidden" name="kind" value="RACE_DESCRIPTION" />
            <input type="hidden" name="raceId" value={raceId} />
            <TextAreaField id="ai-bullets" name="bullets" label="Bullet points" rows={4} required minLength={10} errors={error ? [error] : undefined} placeholder={"- flat, fast course along the sea\n- chip timing, medal for every finisher"} />
            <div>
              <Button type="submit" pending={starting || busy} pendingLabel={starting ? "Starting…" : "Drafting…"}>
                {`Draft description (${counted(cost, "credit")})`}
              </Button>
            </div>
          </form>
          <AiJobOutput job={job} live={live} label="AI draft">
            {job?.status === "DONE" ? (
              <div className="flex flex-wrap items-center gap-3">
                <Button type="button" variant="secondary" onClick={() => setUsed(fillDescription(job.result))}>
                  Use this draft as the description
                </Button>
                {used ? <span role="status" className="text-sm text-brand-700">Draft put into the Description field. Save details to keep it.</span> : null}
              </div>
            ) : null}
          </AiJobOutput>
        </>
      )}
    </Card>
  );
}
