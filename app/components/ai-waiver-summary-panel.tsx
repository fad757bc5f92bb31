import { AI_NOT_CONFIGURED, aiJobCosts, type AiJobView } from "~/validation/ai-jobs";
import { AiJobOutput, useAiJob } from "./ai-job";
import { Button, Card } from "./ui";
import { counted } from "~/lib/plural";

/** A plain-language summary of the waiver in force, written by AI on request; the latest one is kept. */
export function AiWaiverSummaryPanel({ raceId, configured, hasWaiver, latest }: { raceId: string; configured: boolean; hasWaiver: boolean; latest: AiJobView | null }) {
  const { job, error, starting, live, busy, follower, onSubmit } = useAiJob(latest);
  const cost = aiJobCosts.WAIVER_SUMMARY;
  return (
    <Card>
      {follower}
      <h2 className="text-xl font-semibold">Plain-language summary</h2>
      {!configured ? (
        <p className="mt-2 text-sm text-slate-600">{AI_NOT_CONFIGURED}</p>
      ) : !hasWaiver ? (
        <p className="mt-2 text-sm text-slate-600">Save a waiver first; AI can then summarise it in plain language.</p>
      ) : (
        <>
          <p className="mt-1 text-sm text-slate-600">{`AI summarises the waiver in force in a few plain bullet points. Costs ${counted(cost, "credit")}, refunded if it fails.`}</p>
          <form method="post" action="/ai-jobs/new" onSubmit={onSubmit} className="mt-3 flex flex-col gap-2">
            <input type="hidden" name="kind" value="WAIVER_SUMMARY" />
            <input type="hidden" name="raceId" value={raceId} />
            {error ? (
              <p role="alert" className="text-sm text-red-700">
                {error}
              </p>
            ) : null}
            <div>
              <Button type="submit" variant="secondary" pending={starting || busy} pendingLabel={starting ? "Starting…" : "Summarising…"}>
                {`${job ? "Summarise again" : "Summarise with AI"} (${counted(cost, "credit")})`}
              </Button>
            </div>
          </form>
          <AiJobOutput job={job} live={live} label="Waiver summary" />
        </>
      )}
    </Card>
  );
}
