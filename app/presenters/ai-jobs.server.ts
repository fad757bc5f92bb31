import type { AiJobKind } from "@prisma/client";
import { db } from "~/utils/db.server";
import { aiJobViewSelect, toAiJobView } from "~/services/ai-jobs.server";
import { NotFoundError } from "~/lib/errors";
import { paginate } from "./paginate.server";

/** One of the user's own jobs (the job page and its live feed); anybody else's is "not found". */
export async function aiJobForOwner(jobId: string, userId: string) {
  const job = await db.aiJob.findFirst({ where: { id: jobId, userId }, select: aiJobViewSelect });
  if (!job) throw new NotFoundError("AI job not found");
  return toAiJobView(job);
}

/** The user's own jobs, newest first, paginated. */
export async function aiJobsPage(userId: string, page: number, pageSize = 20) {
  const where = { userId };
  const jobs = await paginate({ page, pageSize }, {
    count: () => db.aiJob.count({ where }),
    rows: (window) => db.aiJob.findMany({ where, orderBy: { createdAt: "desc" }, ...window, select: aiJobViewSelect }),
  });
  return { ...jobs, items: jobs.items.map(toAiJobView) };
}

/** The newest of the user's jobs of one kind for a race (the editor and waiver panels resume it). */
export async function latestAiJob(userId: string, kind: AiJobKind, raceId: string) {
  const job = await db.aiJob.findFirst({ where: { userId, kind, raceId }, orderBy: { createdAt: "desc" }, select: aiJobViewSelect });
  return job ? toAiJobView(job) : null;
}
