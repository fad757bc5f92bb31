import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { requestAiJob } from "~/services/ai-jobs.server";
import { aiRequestRefusal } from "~/web/ai-responses.server";
import { requireUser } from "~/web/auth.server";

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
    const refusal = aiRequestRefusal(error);
    if (!refusal) throw error;
    const { status, headers, ...body } = refusal;
    if (wantsPage) return new Response(body.error, { status, headers: { ...headers, "Content-Type": "text/plain; charset=utf-8" } });
    return Response.json(body, { status, headers });
  }
}
