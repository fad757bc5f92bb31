import { failAiJob, runAiJob } from "~/services/ai-jobs.server";
import type { JobHandler } from "../handler";

export const aiRun: JobHandler<"ai.run"> = {
  run: ({ aiJobId }) => runAiJob(aiJobId),
  onFinalFailure: ({ aiJobId }, error) => failAiJob(aiJobId, error.message),
};
