import { Link } from "@remix-run/react";
import { AI_NOT_CONFIGURED, aiJobCosts } from "~/validation/ai-jobs";
import { AiJobOutput, useAiJob } from "./ai-job";
import { TextAreaField } from "./fields";
import { Button, Card } from "./ui";

/** "Ask about this race": a question answered from the race's own details, tickets and FAQ. */
export function AiAskPanel({ raceId, slug, configured, signedIn }: { raceId: string; slug: string; configured: boolean; signedIn: boolean }) {
  const { job, error, starting, live, busy, follower, onSubmit } = useAiJob();
  const cost = aiJobCosts.RACE_QUESTION;
  return (
    <Card>
      {follower}
      <h2 className="text-xl font-semibold">Ask about this race</h2>
      {!configured ? (
        <p className="mt-2 text-sm text-slate-600">{AI_NOT_CONFIGURED}</p>
      ) : !signedIn ? (
        <p className="mt-2 text-sm text-slate-700">
          <Link to={`/login?redirectTo=${encodeURIComponent(`/races/${slug}`)}`} className="font-medium text-brand-700 underline">
            Log in
          </Link>{" "}
          {`to ask a question. AI answers from this race's information only (${cost} credit).`}
        </p>
      ) : (
        <>
          <p className="mt-1 text-sm text-slate-600">{`AI answers from this race's details, tickets and FAQ only, and says when they do not cover your question. Costs ${cost} credit.`}</p>
          <form method="post" action="/ai-jobs/new" onSubmit={onSubmit} className="mt-3 flex flex-col gap-3">
            <input type="hidden" name="kind" value="RACE_QUESTION" />
            <input type="hidden" name="raceId" value={raceId} />
            <TextAreaField id="ai-question" name="question" label="Your question" rows={2} required minLength={3} maxLength={500} errors={error ? [error] : undefined} />
            <div>
              <Button type="submit" pending={starting || busy} pendingLabel={starting ? "Sending…" : "Answering…"}>
                {`Ask (${cost} credit)`}
              </Button>
            </div>
          </form>
          <AiJobOutput job={job} live={live} label="AI answer" />
        </>
      )}
    </Card>
  );
}
