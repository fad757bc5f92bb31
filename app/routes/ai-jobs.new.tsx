import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { requestAiJob } from "~/services/ai-jobs.server";
import { requireUser } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";

/**
 * Starts an AI job. Pages call it with fetch (JSON back: 202 with the job, or a 4xx/503 with the reason);
 * a plain form post (before JavaScript loads) lands on the job's own page.
 */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const form = Object.fromEntries([...(await request.formData())].map(([key, value]) => [key, String(value)]));
  const { kind = "", raceId, ...input } = form;
  const wantsPage = request.headers.get("Accept")?.includes("text/html") ?? false;
  try {
    const job = await requestAiJob({ userId: user.id, kind, raceId, input });
    if (wantsPage) return redirect(`/ai-jobs/${job.id}`);
    return Response.json({ job }, { status: 202 });
  } catch (error) {
    const { data: refusal, init } = replyToError(error);
    const headers = new Headers(init?.headers);
    if (!wantsPage) return Response.json(refusal, { status: init?.status, headers });
    headers.set("Content-Type", "text/plain; charset=utf-8");
    return new Response(refusal.error, { status: init?.status, headers });
  }
}
