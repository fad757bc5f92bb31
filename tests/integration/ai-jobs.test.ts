import { describe, expect, it } from "vitest";
import { settleAbandonedAiJobs } from "~/services/ai-jobs.server";
import { creditBalance, grantCredits, spendCredits } from "~/services/credits.server";
import { saveWaiver } from "~/services/waivers.server";
import { db } from "~/utils/db.server";
import { aiJobCosts, type AiJobView } from "~/validation/ai-jobs";
import { addMember, createOrganisation, createRace, createTicketType, createUser } from "../support/factories";
import { openEventStream, type Client } from "../support/http";
import { startWebForTest, useStack } from "../support/stack";
import { loggedIn } from "../support/session";
import { waitFor } from "../support/wait";

const AI_TIMEOUT_MS = 2_000;
const AI_JOBS_PER_HOUR = 3;

const { web, worker, openai: double } = useStack({ worker: true, openai: true, env: { AI_TIMEOUT_MS: String(AI_TIMEOUT_MS), AI_JOBS_PER_HOUR: String(AI_JOBS_PER_HOUR) } });

/** An organiser (MANAGER) of a race, logged in, with credits. */
async function organiserWithRace(credits = 20) {
  const { organisation, user } = await createOrganisation("MANAGER");
  const race = await createRace(organisation.id);
  if (credits) await grantCredits({ userId: user.id, amount: credits, description: "Test credits", idempotencyKey: `test-grant-${user.id}` });
  return { user, race, organisation, client: await loggedIn(web.url, user.email) };
}

async function startJob(client: Client, fields: Record<string, string>) {
  const response = await client.post("/ai-jobs/new", fields);
  const body = (await response.json()) as { job?: AiJobView; error?: string };
  return { status: response.status, ...body };
}

const finished = (job: { status: string } | null) => job?.status === "DONE" || job?.status === "FAILED";
const jobRow = (id: string) => db.aiJob.findUniqueOrThrow({ where: { id } });
const waitForJob = (id: string) => waitFor(() => jobRow(id), finished, 20_000);
const refundsOf = (aiJobId: string) => db.creditEntry.count({ where: { aiJobId, kind: "REFUND" } });

describe("a race description draft", () => {
  it("streams growing text live to its owner, ends done and costs its credits", async () => {
    const { user, race, client } = await organiserWithRace(20);
    const marker = `stream-${race.id}`;
    const reply = "The Harbour 10K is a flat, fast loop along the sea wall, with chip timing and a medal for every finisher.";
    // About 450 ms of streaming: well inside AI_TIMEOUT_MS even on a loaded machine, and still several updates.
    double.script(marker, [{ reply, chunkSize: 12, chunkDelayMs: 50 }]);

    const started = await startJob(client, { kind: "RACE_DESCRIPTION", raceId: race.id, bullets: `- flat and fast\n- ${marker}` });
    expect(started.status).toBe(202);
    expect(started.job).toMatchObject({ status: "QUEUED", cost: aiJobCosts.RACE_DESCRIPTION });
    expect(await creditBalance(user.id)).toBe(20 - aiJobCosts.RACE_DESCRIPTION);

    const stream = await openEventStream(client, `/ai-jobs/${started.job!.id}/live`);
    expect(stream.response.status).toBe(200);
    const done = await stream.next((e) => e.event === "snapshot" && (e.data as AiJobView).status === "DONE", 20_000);
    await stream.close();
    expect((done.data as AiJobView).result).toBe(reply);
    const streaming = stream.events.map((e) => e.data as AiJobView).filter((j) => j.status === "STREAMING");
    expect(streaming.length).toBeGreaterThanOrEqual(2);
    const lengths = streaming.map((j) => j.result.length);
    expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
    expect(lengths[0]).toBeGreaterThan(0);
    expect(lengths[0]).toBeLessThan(reply.length);

    const row = await jobRow(started.job!.id);
    expect(row).toMatchObject({ status: "DONE", result: reply, attempts: 1, userId: user.id, kind: "RACE_DESCRIPTION" });
    expect(JSON.stringify(row.prompt)).toContain(marker);
    const [request] = double.requestsFor(marker);
    expect(request).toMatchObject({ stream: true, model: "gpt-4o-mini", authorization: "Bearer sk-test" });
    expect(await creditBalance(user.id)).toBe(20 - aiJobCosts.RACE_DESCRIPTION);
    expect(await refundsOf(row.id)).toBe(0);
  });

  it("retries transient failures (500, 429) with backoff and then succeeds", async () => {
    const { user, race, client } = await organiserWithRace(10);
    const marker = `transient-${race.id}`;
    double.script(marker, [{ error: 500 }, { error: 429 }, { reply: "Third time lucky." }]);
    const started = await startJob(client, { kind: "RACE_DESCRIPTION", raceId: race.id, bullets: `- ${marker}` });
    const job = await waitForJob(started.job!.id);
    expect(job).toMatchObject({ status: "DONE", result: "Third time lucky.", attempts: 3, error: null });
    expect(double.requestsFor(marker)).toHaveLength(3);
    expect(await creditBalance(user.id)).toBe(10 - aiJobCosts.RACE_DESCRIPTION);
  });

  it("fails at once on a permanent error, says why, and refunds exactly once", async () => {
    const { user, race, client } = await organiserWithRace(10);
    const marker = `permanent-${race.id}`;
    double.script(marker, [{ error: 400, message: "Invalid value for 'messages'." }]);
    const started = await startJob(client, { kind: "RACE_DESCRIPTION", raceId: race.id, bullets: `- ${marker}` });
    const job = await waitForJob(started.job!.id);
    expect(job.status).toBe("FAILED");
    expect(job.error).toContain("The AI service refused the request (HTTP 400)");
    expect(job.error).toContain("Your credits were refunded.");
    expect(job.attempts).toBe(1);
    expect(double.requestsFor(marker)).toHaveLength(1);
    // The worker logs the job's final failure (BullMQ runs it no more) and then starts its final-failure hook, which
    // refunds; a duplicate hook would refund twice, and must not.
    await worker.waitForLog({ msg: "job failed", jobId: `ai.run-${job.id}`, final: true });
    await waitFor(() => refundsOf(job.id), (n) => n > 0);
    expect(await refundsOf(job.id)).toBe(1);
    expect(await creditBalance(user.id)).toBe(10);
  });

  it("retries a call that times out, then fails with a clear message and refunds", async () => {
    const { user, race, client } = await organiserWithRace(10);
    const marker = `timeout-${race.id}`;
    double.script(marker, Array.from({ length: 4 }, () => ({ hangMs: 10_000 })));
    const started = await startJob(client, { kind: "RACE_DESCRIPTION", raceId: race.id, bullets: `- ${marker}` });
    const job = await waitFor(() => jobRow(started.job!.id), finished, 45_000);
    expect(job.status, worker.output.slice(-10).join("\n")).toBe("FAILED");
    expect(job.status).toBe("FAILED");
    expect(job.error).toMatch(/did not (answer|finish) within 2 seconds/);
    expect(job.attempts).toBe(4);
    expect(double.requestsFor(marker)).toHaveLength(4);
    await waitFor(() => refundsOf(job.id), (n) => n === 1);
    expect(await creditBalance(user.id)).toBe(10);
  }, 60_000);
});

describe("a reply still streaming at the deadline", () => {
  it("is not saved cut short: the try counts as timed out and the retry's whole answer is kept", async () => {
    const { race, client } = await organiserWithRace(10);
    const marker = `slow-stream-${race.id}`;
    const whole = `A complete description of the course. ${marker}`;
    double.script(marker, [{ reply: "x".repeat(200), chunkSize: 5, chunkDelayMs: 200 }, { reply: whole, chunkSize: 12, chunkDelayMs: 20 }]);
    const started = await startJob(client, { kind: "RACE_DESCRIPTION", raceId: race.id, bullets: `- ${marker}` });
    const job = await waitFor(() => jobRow(started.job!.id), finished, 28_000);
    expect({ status: job.status, attempts: job.attempts }).toEqual({ status: "DONE", attempts: 2 });
    expect(job.result).toBe(whole);
  }, 40_000);
});

describe("refusals", () => {
  it("refuses a job the user cannot pay for, with a clear message, and creates nothing", async () => {
    const { user, race, client } = await organiserWithRace(2);
    const started = await startJob(client, { kind: "RACE_DESCRIPTION", raceId: race.id, bullets: "- a flat fast course by the sea" });
    expect(started.status).toBe(402);
    expect(started.error).toBe("This needs 5 credits and you have 2. Buy credits on the billing page.");
    expect(await db.aiJob.count({ where: { userId: user.id } })).toBe(0);
    expect(await creditBalance(user.id)).toBe(2);
  });

  it("refuses more jobs per hour than allowed with a 429 and no debit", async () => {
    const { user, race, client } = await organiserWithRace(50);
    for (let i = 0; i < AI_JOBS_PER_HOUR; i += 1) {
      expect((await startJob(client, { kind: "RACE_DESCRIPTION", raceId: race.id, bullets: `- rate limited job ${i}` })).status).toBe(202);
    }
    const refused = await startJob(client, { kind: "RACE_DESCRIPTION", raceId: race.id, bullets: "- one too many" });
    expect(refused.status).toBe(429);
    expect(refused.error).toMatch(/most AI jobs allowed per hour/);
    expect(await db.aiJob.count({ where: { userId: user.id } })).toBe(AI_JOBS_PER_HOUR);
    expect(await creditBalance(user.id)).toBe(50 - AI_JOBS_PER_HOUR * aiJobCosts.RACE_DESCRIPTION);
  });

  it("refuses check-in staff (403) and non-members (404) of the race's organisation", async () => {
    const { race, organisation } = await organiserWithRace(0);
    const checkin = await addMember(organisation.id, "CHECKIN");
    await grantCredits({ userId: checkin.id, amount: 10, description: "Test", idempotencyKey: `g-${checkin.id}` });
    const staff = await startJob(await loggedIn(web.url, checkin.email), { kind: "RACE_DESCRIPTION", raceId: race.id, bullets: "- a flat fast course" });
    expect(staff.status).toBe(403);
    const stranger = await createUser({ role: "ORGANISER" });
    const outsider = await startJob(await loggedIn(web.url, stranger.email), { kind: "WAIVER_SUMMARY", raceId: race.id });
    expect(outsider.status).toBe(404);
    expect(await creditBalance(checkin.id)).toBe(10);
  });

  it("shows another user 404 for the job, its page and its live stream", async () => {
    const { race, client } = await organiserWithRace(10);
    const started = await startJob(client, { kind: "RACE_DESCRIPTION", raceId: race.id, bullets: "- private draft notes" });
    expect(started.status).toBe(202);
    const other = await loggedIn(web.url, (await createUser()).email);
    const stream = await other.request(`/ai-jobs/${started.job!.id}/live`, { headers: { Accept: "text/event-stream" } });
    expect(stream.status).toBe(404);
    await stream.body?.cancel();
    const page = await other.request(`/ai-jobs/${started.job!.id}`);
    expect(page.status).toBe(404);
    expect(await page.text()).not.toContain("private draft notes");
    const mine = await client.request(`/ai-jobs/${started.job!.id}`);
    expect(mine.status).toBe(200);
  });
});

describe("a waiver summary", () => {
  it("summarises the waiver in force, and is refused (400, no debit) before a waiver exists", async () => {
    const { user, race, client } = await organiserWithRace(10);
    const early = await startJob(client, { kind: "WAIVER_SUMMARY", raceId: race.id });
    expect(early.status).toBe(400);
    expect(early.error).toMatch(/no waiver yet/);
    expect(await creditBalance(user.id)).toBe(10);

    await saveWaiver({ raceId: race.id, actorId: user.id, title: "Entry waiver", text: `Version one: I run at my own risk (${race.id}).` });
    await saveWaiver({ raceId: race.id, actorId: user.id, title: "Entry waiver", text: `Version two: I run at my own risk and follow marshals (${race.id}).` });
    const started = await startJob(client, { kind: "WAIVER_SUMMARY", raceId: race.id });
    expect(started.status).toBe(202);
    expect((await waitForJob(started.job!.id)).status).toBe("DONE");
    const sent = double.requestsFor(race.id).flatMap((r) => r.messages.map((m) => m.content)).join("\n");
    expect(sent).toContain("follow marshals");
    expect(sent).not.toContain("Version one");
    expect(await creditBalance(user.id)).toBe(10 - aiJobCosts.WAIVER_SUMMARY);
    const page = await client.request(`/organiser/races/${race.id}/waiver`);
    expect(await page.text()).toContain("Plain-language summary");
  });
});

describe("a question about a race", () => {
  it("is answered from that race's details, tickets and FAQ only", async () => {
    const { organisation } = await createOrganisation("OWNER");
    const race = await createRace(organisation.id, { status: "PUBLISHED", currency: "EUR", faq: "Q: Is there parking?\nA: Yes, free parking at the Marine Road car park." });
    await createTicketType(race.id, { name: "Sea Wall 10K", priceMinor: 3_500, capacity: 40 });
    const other = await createRace(organisation.id, { status: "PUBLISHED", name: "Mountain Ultra", faq: "Q: Poles?\nA: Trekking poles allowed on the summit climb." });
    await createTicketType(other.id, { name: "Ultra 50K", priceMinor: 9_900 });

    const buyer = await createUser();
    await grantCredits({ userId: buyer.id, amount: 3, description: "Test", idempotencyKey: `g-${buyer.id}` });
    const client = await loggedIn(web.url, buyer.email);
    const marker = `question-${race.id}`;
    const started = await startJob(client, { kind: "RACE_QUESTION", raceId: race.id, question: `Where can I park? (${marker})` });
    expect(started.status).toBe(202);
    const job = await waitForJob(started.job!.id);
    expect(job.status).toBe("DONE");
    expect(await creditBalance(buyer.id)).toBe(3 - aiJobCosts.RACE_QUESTION);

    const [request] = double.requestsFor(marker);
    const sent = request!.messages.map((m) => m.content).join("\n");
    expect(sent).toContain("free parking at the Marine Road car park");
    expect(sent).toContain("Sea Wall 10K: €35.00");
    expect(sent).toContain("40 places left");
    expect(sent).toContain("Harbour 10K");
    expect(sent).toMatch(/ONLY from the race data/);
    expect(sent).toMatch(/not in the data/);
    expect(sent).not.toContain("Mountain Ultra");
    expect(sent).not.toContain("Trekking poles");
    expect(sent).not.toContain("Ultra 50K");
  });

  it("is not accepted for a race that is not published", async () => {
    const { organisation } = await createOrganisation("OWNER");
    const draft = await createRace(organisation.id);
    const buyer = await createUser();
    await grantCredits({ userId: buyer.id, amount: 3, description: "Test", idempotencyKey: `g-${buyer.id}` });
    const refused = await startJob(await loggedIn(web.url, buyer.email), { kind: "RACE_QUESTION", raceId: draft.id, question: "Is it hilly?" });
    expect(refused.status).toBe(404);
    expect(await creditBalance(buyer.id)).toBe(3);
  });
});

describe("housekeeping", () => {
  it("refunds a failed job that missed its refund and fails a job abandoned by the queue, once each", async () => {
    const user = await createUser();
    await grantCredits({ userId: user.id, amount: 10, description: "Test", idempotencyKey: `g-${user.id}` });
    const longAgo = new Date(Date.now() - 2 * 3_600_000);
    const jobs = await Promise.all(
      (["FAILED", "RUNNING"] as const).map(async (status) => {
        const id = `${status.toLowerCase()}-${user.id}`;
        await spendCredits({ userId: user.id, amount: 3, description: "Waiver summary", idempotencyKey: `ai-job:${id}`, aiJobId: id });
        return db.aiJob.create({ data: { id, userId: user.id, kind: "WAIVER_SUMMARY", cost: 3, status, prompt: {}, createdAt: longAgo, ...(status === "FAILED" ? { finishedAt: longAgo, error: "The AI service is busy or failing (HTTP 500). Your credits were refunded." } : {}) } });
      }),
    );
    expect(await creditBalance(user.id)).toBe(4);
    await settleAbandonedAiJobs();
    await settleAbandonedAiJobs();
    expect(await creditBalance(user.id)).toBe(10);
    for (const job of jobs) expect(await refundsOf(job.id)).toBe(1);
    expect(await jobRow(jobs[0]!.id)).toMatchObject({ status: "FAILED", error: "The AI service is busy or failing (HTTP 500). Your credits were refunded." });
    expect(await jobRow(jobs[1]!.id)).toMatchObject({ status: "FAILED", error: "The job stopped unexpectedly. Your credits were refunded." });
  });
});

describe("without OPENAI_API_KEY", () => {
  it("says AI help is not configured, up front and on request, and debits nothing", async () => {
    const unconfigured = await startWebForTest();
    const { user, race } = await organiserWithRace(10);
    const client = await loggedIn(unconfigured.url, user.email);
    const editor = await client.request(`/organiser/races/${race.id}/edit`);
    expect(editor.status).toBe(200);
    expect(await editor.text()).toContain("AI help is not configured on this installation");
    const refused = await startJob(client, { kind: "RACE_DESCRIPTION", raceId: race.id, bullets: "- a flat fast course by the sea" });
    expect(refused.status).toBe(503);
    expect(refused.error).toBe("AI help is not configured on this installation.");
    expect(await db.aiJob.count({ where: { userId: user.id } })).toBe(0);
    expect(await creditBalance(user.id)).toBe(10);
  });
});
