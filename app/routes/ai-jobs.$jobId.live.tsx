import type { LoaderFunctionArgs } from "@remix-run/node";
import { channels, type AiJobMessage } from "~/realtime/channels";
import { liveStream } from "~/realtime/stream.server";
import { aiJobForOwner } from "~/services/ai-jobs.server";
import { NotFoundError } from "~/services/errors.server";
import { requireUser, sessionViewer } from "~/web/auth.server";
import type { AiJobView } from "~/validation/ai-jobs";

/** One AI job, live: status and text re-read whenever the worker announces a change. Owner only. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const jobId = params.jobId ?? "";
  await aiJobForOwner(jobId, user.id).catch((error: unknown) => {
    throw error instanceof NotFoundError ? new Response("Not found", { status: 404 }) : error;
  });
  return liveStream<AiJobMessage, AiJobView>({
    request,
    context,
    viewer: sessionViewer(request, user),
    channel: channels.aiJob(jobId),
    snapshot: () => aiJobForOwner(jobId, user.id),
    resnapshotEveryMs: 100,
  });
}
