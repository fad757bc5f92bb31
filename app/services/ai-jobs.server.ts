import { randomUUID } from "node:crypto";
import type { AiJobKind, Prisma } from "@prisma/client";
import { enqueue, getQueue, requeue } from "~/jobs/queues.server";
import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { openaiClient } from "~/utils/openai.server";
import { hasRole } from "~/lib/roles";
import { AI_NOT_CONFIGURED, aiJobCosts, aiJobRequestSchema, type AiJobRequest, type AiJobView } from "~/validation/ai-jobs";
import { classifyAiFailure } from "./ai-failures.server";
import { raceDescriptionMessages, raceQuestionMessages, waiverSummaryMessages, type AiMessages } from "./ai-prompts.server";
import { refundSpend, spendCredits } from "./credits.server";
import { DomainError, isDomainError, NotFoundError, PermanentFailure, RuleViolationError } from "~/lib/errors";
import { hit } from "./rate-limit.server";

export class AiNotConfiguredError extends DomainError {
  constructor() {
    super("unavailable", AI_NOT_CONFIGURED);
    this.name = "AiNotConfiguredError";
  }
}

export class AiRateLimitedError extends DomainError {
  constructor(retryAfterSeconds: number) {
    super("rate_limited", `You have started the most AI jobs allowed per hour. Try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`, { retryAfterSeconds });
    this.name = "AiRateLimitedError";
  }
}

/** A role that may not use AI help: refused on the request, not a page the user may not see. */
export class AiAccessError extends DomainError {
  constructor(message: string) {
    super("forbidden", message, { field: "form" });
    this.name = "AiAccessError";
  }
}

const kindLabels: Record<AiJobKind, string> = {
  RACE_DESCRIPTION: "Race description draft",
  WAIVER_SUMMARY: "Waiver summary",
  RACE_QUESTION: "Race question",
};

export function aiJobLabel(kind: AiJobKind) {
  return kindLabels[kind];
}

/** The spend of a job is keyed by the job, so its debit and its refund each happen once. */
const spendKey = (aiJobId: string) => `ai-job:${aiJobId}`;

const RATE_WINDOW_SECONDS = 3_600;

/** Organiser jobs need MANAGER or OWNER in the race's organisation; a non-member gets a 404, as in loaders. */
async function requireRaceManager(userId: string, raceId: string) {
  const race = await db.race.findUnique({
    where: { id: raceId },
    select: { organisation: { select: { members: { where: { userId }, select: { role: true } } } } },
  });
  const role = race?.organisation.members[0]?.role;
  if (!role) throw new NotFoundError("Race not found", { field: "raceId" });
  if (!hasRole(role, "MANAGER")) throw new AiAccessError(`Only managers of this organisation can use AI help; your role is ${role.toLowerCase()}.`);
}

async function requirePublishedRace(raceId: string) {
  const race = await db.race.findUnique({ where: { id: raceId }, select: { status: true } });
  if (race?.status !== "PUBLISHED") throw new NotFoundError("Race not found", { field: "raceId" });
}

/** Checks access and builds what is sent to the model, so the job stores exactly what the model saw. */
async function preparePrompt(userId: string, request: AiJobRequest): Promise<{ input: Prisma.InputJsonObject; messages: AiMessages }> {
  switch (request.kind) {
    case "RACE_DESCRIPTION":
      await requireRaceManager(userId, request.raceId);
      return { input: { bullets: request.bullets }, messages: await raceDescriptionMessages(request.raceId, request.bullets) };
    case "WAIVER_SUMMARY": {
      await requireRaceManager(userId, request.raceId);
      const summary = await waiverSummaryMessages(request.raceId);
      if (!summary) throw new RuleViolationError("form", "This race has no waiver yet. Save one first, then ask for a summary.");
      return { input: { waiverVersion: summary.waiverVersion }, messages: summary.messages };
    }
    case "RACE_QUESTION":
      await requirePublishedRace(request.raceId);
      return { input: { question: request.question }, messages: await raceQuestionMessages(request.raceId, request.question) };
    default:
      throw new RuleViolationError("kind", "Unknown kind of AI job");
  }
}

/**
 * Starts an AI job: configured? valid input? allowed? within the hourly limit? Then the credits are
 * debited (keyed by the new job's id) before the job row exists, so a refused debit leaves nothing
 * behind, and a job that cannot be recorded or queued gets its credits back at once.
 */
export async function requestAiJob({ userId, kind, raceId, input }: { userId: string; kind: string; raceId?: string; input: Record<string, unknown> }) {
  const env = getEnv();
  if (!env.aiConfigured) throw new AiNotConfiguredError();
  const parsed = aiJobRequestSchema.safeParse({ ...input, kind, raceId });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RuleViolationError(String(issue.path[0] ?? "form"), issue.message);
  }
  const request = parsed.data;
  const { input: storedInput, messages } = await preparePrompt(userId, request);

  const started = await hit(`ai-jobs:${userId}`, RATE_WINDOW_SECONDS);
  if (started > env.AI_JOBS_PER_HOUR) throw new AiRateLimitedError(RATE_WINDOW_SECONDS);

  const id = randomUUID();
  const cost = aiJobCosts[request.kind];
  await spendCredits({ userId, amount: cost, description: kindLabels[request.kind], idempotencyKey: spendKey(id), aiJobId: id });
  try {
    const job = await db.aiJob.create({
      data: { id, userId, kind: request.kind, raceId: request.raceId, cost, model: env.OPENAI_MODEL, prompt: { input: storedInput, messages } as unknown as Prisma.InputJsonObject },
      select: aiJobViewSelect,
    });
    await enqueue("ai.run", { aiJobId: id });
    return toAiJobView(job);
  } catch (error) {
    await db.aiJob.updateMany({ where: { id }, data: { status: "FAILED", error: "Could not be queued", finishedAt: new Date() } });
    await refundSpend({ spendIdempotencyKey: spendKey(id), description: `Refund: ${kindLabels[request.kind]} could not be queued` });
    throw error;
  }
}

/** What a page or a live feed shows of a job. */
export const aiJobViewSelect = { id: true, kind: true, status: true, cost: true, result: true, error: true, raceId: true, createdAt: true, finishedAt: true } as const;

export function toAiJobView(job: Prisma.AiJobGetPayload<{ select: typeof aiJobViewSelect }>): AiJobView {
  return { ...job, createdAt: job.createdAt.toISOString(), finishedAt: job.finishedAt?.toISOString() ?? null };
}

async function announce(jobId: string) {
  await publish(channels.aiJob(jobId), { type: "aiJob.changed", at: new Date().toISOString() });
}

const FLUSH_EVERY_MS = 150;

/**
 * Runs one AI job: RUNNING → STREAMING (text appended and pushed live) → DONE. Safe to run twice: a
 * finished job is left alone, and a retry starts its text afresh.
 */
export async function runAiJob(aiJobId: string) {
  const job = await db.aiJob.findUnique({ where: { id: aiJobId }, select: { id: true, status: true, prompt: true, model: true } });
  if (!job || job.status === "DONE" || job.status === "FAILED") return { skipped: true };
  const client = openaiClient();
  if (!client) throw new PermanentFailure(AI_NOT_CONFIGURED);
  const env = getEnv();
  await db.aiJob.update({ where: { id: aiJobId }, data: { status: "RUNNING", result: "", error: null, startedAt: new Date(), attempts: { increment: 1 } } });
  await announce(aiJobId);

  const { messages } = job.prompt as unknown as { messages: AiMessages };
  const deadline = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    deadline.abort();
  }, env.AI_TIMEOUT_MS);
  let text = "";
  let flushed = "";
  let lastFlush = 0;
  const flush = async () => {
    if (text === flushed) return;
    flushed = text;
    lastFlush = Date.now();
    await db.aiJob.update({ where: { id: aiJobId }, data: { status: "STREAMING", result: text } });
    await announce(aiJobId);
  };
  try {
    const stream = await client.chat.completions.create(
      { model: job.model ?? env.OPENAI_MODEL, messages, stream: true },
      { signal: deadline.signal, timeout: env.AI_TIMEOUT_MS },
    );
    let model = job.model;
    for await (const chunk of stream) {
      model = chunk.model || model;
      const choice = chunk.choices[0];
      if (choice?.finish_reason === "content_filter") throw new PermanentFailure("The AI service declined to write this (content filter). Try rewording.");
      text += choice?.delta?.content ?? "";
      if (Date.now() - lastFlush >= FLUSH_EVERY_MS) await flush();
    }
    // The SDK ends a stream its signal aborted as if it were complete: the answer was cut short, so this try failed.
    if (timedOut) throw new Error("the reply was cut off by the deadline");
    await flush();
    if (!text.trim()) throw new Error("The AI service returned an empty answer.");
    await db.aiJob.update({ where: { id: aiJobId }, data: { status: "DONE", result: text, model, finishedAt: new Date() } });
    await announce(aiJobId);
    return { done: true, characters: text.length };
  } catch (error) {
    const classified = isDomainError(error, "permanent") ? error : classifyAiFailure(error, timedOut, env.AI_TIMEOUT_MS);
    if (!isDomainError(classified, "permanent")) {
      await db.aiJob.update({ where: { id: aiJobId }, data: { status: "QUEUED", error: `${classified.message} Retrying…` } });
      await announce(aiJobId);
    }
    throw classified;
  } finally {
    clearTimeout(timer);
  }
}

/** The job finally failed (retries used up, or a permanent error): mark it FAILED and give the credits back, once. */
export async function failAiJob(aiJobId: string, reason: string) {
  const job = await db.aiJob.findUnique({ where: { id: aiJobId }, select: { status: true, kind: true } });
  if (!job || job.status === "DONE") return;
  await db.aiJob.updateMany({
    where: { id: aiJobId, status: { not: "DONE" } },
    data: { status: "FAILED", error: `${reason} Your credits were refunded.`, finishedAt: new Date() },
  });
  await refundAiJob(aiJobId, job.kind);
  await announce(aiJobId);
}

function refundAiJob(aiJobId: string, kind: AiJobKind) {
  return refundSpend({ spendIdempotencyKey: spendKey(aiJobId), description: `Refund: ${kindLabels[kind]} failed` });
}

/** A job abandoned this long ago is not run again: nobody waits for its answer any more. */
const STALE_AFTER_MS = 30 * 60_000;
/** Runs of one job (each run counts in `attempts`) after which it is given up, e.g. when it keeps killing its worker. */
const MAX_RUNS = 8;

/**
 * Housekeeping: the final-failure hook runs in the worker after BullMQ gives up, so a worker that dies at that moment
 * could leave a FAILED job unrefunded; it is refunded here (once, by the spend's key). A job still QUEUED, RUNNING or
 * STREAMING after `olderThanMs` whose queue entry is gone (Redis lost it) or failed (its worker died while running it,
 * twice) is queued again, unless it was abandoned more than 30 minutes ago or has run MAX_RUNS times: then it fails
 * and is refunded.
 */
export async function settleAbandonedAiJobs({ olderThanMs = 60_000, now = new Date() }: { olderThanMs?: number; now?: Date } = {}) {
  const unrefunded = await db.aiJob.findMany({
    where: { status: "FAILED", finishedAt: { lt: new Date(now.getTime() - 60_000), gt: new Date(now.getTime() - 7 * 24 * 3_600_000) } },
    select: { id: true, kind: true },
    orderBy: { finishedAt: "desc" },
    take: 200,
  });
  let settled = 0;
  for (const job of unrefunded) {
    const refund = await refundAiJob(job.id, job.kind);
    if (refund?.created) settled += 1;
  }
  const pending = await db.aiJob.findMany({
    where: { status: { in: ["QUEUED", "RUNNING", "STREAMING"] }, createdAt: { lte: new Date(now.getTime() - olderThanMs) } },
    select: { id: true, createdAt: true, attempts: true },
    orderBy: { createdAt: "asc" },
    take: 500,
  });
  for (const job of pending) {
    const queued = await getQueue("ai").getJob(`ai.run-${job.id}`);
    const state = queued ? await queued.getState() : "missing";
    if (state !== "missing" && state !== "failed" && state !== "unknown") continue;
    if (job.createdAt.getTime() < now.getTime() - STALE_AFTER_MS || job.attempts >= MAX_RUNS) {
      await failAiJob(job.id, "The job stopped unexpectedly.");
    } else {
      await requeue("ai.run", { aiJobId: job.id });
    }
    settled += 1;
  }
  return settled;
}
