import { describe, expect, it } from "vitest";
import { enqueue, getQueue } from "~/jobs/queues.server";
import { recordEmail } from "~/services/email.server";
import { countSignatureFailure, SIGNATURE_FAILURE_BURST } from "~/services/operations-watch.server";
import { db } from "~/utils/db.server";
import { redisKey } from "~/utils/redis.server";
import { redis } from "~/utils/redis.server";
import { stripeEvent } from "../mocks/stripe";
import { buyerReadyToPay, completeAndDeliver, pay, raceForSale } from "../support/checkout";
import { createOrganisation, createUser } from "../support/factories";
import { Client, openEventStream } from "../support/http";
import { loggedIn } from "../support/session";
import { startWorkerForTest, useStack } from "../support/stack";
import { waitFor } from "../support/wait";

const SECRET = "whsec_operator_console";
const { web, stripe, processed } = useStack({ worker: true, stripe: { webhookSecret: SECRET } });

const page = async (response: Response) => (await response.text()).replaceAll("<!-- -->", "");
const operatorClient = async () => loggedIn(web.url, (await createUser({ role: "OPERATOR" })).email);

/** A job that fails for good at once: its Stripe event is not in the inbox (yet). */
async function failedStripeJob(eventId: string) {
  const job = await enqueue("stripe.event", { eventId });
  await waitFor(() => job.isFailed(), Boolean, 20_000);
  return job.id!;
}

const paths = ["/operator", "/operator/live", "/operator/jobs", "/operator/stripe-events", "/operator/stripe-events/evt_missing", "/operator/queues", "/operator/queues/api/queues"];

describe("the operator console is for operators only", () => {
  it("answers 404 to anonymous visitors, buyers and organisers, on every page and action", async () => {
    const buyer = await loggedIn(web.url, (await createUser()).email);
    const { user: organiser } = await createOrganisation();
    for (const outsider of [new Client(web.url), buyer, await loggedIn(web.url, organiser.email)]) {
      for (const path of paths) expect((await outsider.request(path)).status, path).toBe(404);
      expect((await outsider.post("/operator/jobs", { intent: "retry", queue: "stripe", jobId: "x" })).status).toBe(404);
      expect((await outsider.post("/operator/stripe-events/evt_x", {})).status).toBe(404);
    }
    expect(await page(await buyer.request("/account"))).not.toContain('href="/operator"');
  });

  it("refuses cross-site posts to its actions, Bull Board's included", async () => {
    const operator = await operatorClient();
    const foreign = { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" };
    expect((await operator.post("/operator/jobs", { intent: "retry-all", name: "stripe.event" }, foreign)).status).toBe(403);
    const bullBoard = await fetch(`${web.url}/operator/queues/api/queues/stripe/retry/failed`, { method: "PUT", headers: { ...foreign, cookie: operator.cookieHeader() } });
    expect(bullBoard.status).toBe(403);
  });
});

describe("operator home", () => {
  it("shows queues, workers, the Stripe inbox and failed emails, and pushes changes live", async () => {
    const operator = await operatorClient();
    const home = await page(await operator.request("/operator"));
    expect(home).toContain("Queues");
    expect(home).toContain('data-testid="queue-stripe"');
    expect(home).toMatch(/alive<\/span>/);
    expect(await page(await operator.request("/account"))).toContain('href="/operator"');

    const feed = await openEventStream(operator, "/operator/live");
    const first = await feed.next((e) => e.event === "snapshot");
    const failedBefore = (first.data as { queues: { queue: string; failed: number }[] }).queues.find((q) => q.queue === "stripe")!.failed;
    const jobId = await failedStripeJob(`evt_live_${Date.now()}`);
    const after = await feed.next((e) => e.event === "snapshot" && (e.data as { queues: { queue: string; failed: number }[] }).queues.find((q) => q.queue === "stripe")!.failed === failedBefore + 1, 10_000);
    expect(after.data).toMatchObject({ workers: [expect.objectContaining({ stale: false, concurrency: expect.any(Number) })] });
    await feed.close();
    await (await getQueue("stripe").getJob(jobId))?.remove();
  });
});

describe("failed jobs", () => {
  it("retries a failed fulfilment after the cause is fixed: one payment, one set of tickets, one email, however often it is retried", async () => {
    const sale = await raceForSale();
    const buyer = await createUser();
    const { client, orderId } = await buyerReadyToPay(web.url, sale, { quantity: 2, buyer });
    const sessionId = await pay(client, orderId);
    const session = stripe.completeSession(sessionId);
    const event = stripeEvent("checkout.session.completed", session);
    const jobId = await failedStripeJob(event.id);

    const operator = await operatorClient();
    const list = await page(await operator.request("/operator/jobs"));
    expect(list).toContain(jobId);
    expect(list).toContain(`is not in the inbox`);

    // The cause goes away: the event reaches the inbox (without a webhook, which would queue it by itself).
    await db.stripeEvent.create({ data: { id: event.id, type: event.type, payload: event as object } });
    const retries = await Promise.all([1, 2].map(() => operator.post("/operator/jobs", { intent: "retry", queue: "stripe", jobId })));
    expect(retries.map((r) => r.status).sort()).toEqual([200, 409]);
    await processed(event.id);
    const again = await operator.post("/operator/jobs", { intent: "retry", queue: "stripe", jobId });
    expect(again.status).toBe(409);
    expect(await page(again)).toContain("not failed any more");

    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "PAID" });
    expect(await db.ticket.count({ where: { orderId, status: "ISSUED" } })).toBe(2);
    expect(await db.emailMessage.count({ where: { userId: buyer.id, kind: "order_confirmed" } })).toBe(1);
    const audit = await db.auditEntry.findMany({ where: { action: "job.retried", entityId: `stripe:${jobId}` } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ organisationId: null, entityType: "job" });
  });

  it("retries a failed email once it exists, and sends it once", async () => {
    const operator = await operatorClient();
    const emailId = `email_${Date.now()}`;
    const job = await enqueue("email.send", { emailId });
    await waitFor(() => job.isFailed(), Boolean, 20_000);
    const to = `late-${Date.now()}@example.com`;
    await db.emailMessage.create({ data: { id: emailId, kind: "welcome", to, subject: "Welcome", text: "Hi", html: "<p>Hi</p>" } });
    expect((await operator.post("/operator/jobs", { intent: "retry-all", name: "email.send" })).status).toBe(200);
    await waitFor(() => db.emailMessage.findUniqueOrThrow({ where: { id: emailId } }), (e) => e.status === "SENT");
    expect((await operator.post("/operator/jobs", { intent: "retry", queue: "email", jobId: job.id! })).status).toBe(409);
    expect(await db.emailMessage.findUniqueOrThrow({ where: { id: emailId } })).toMatchObject({ status: "SENT", attempts: 1 });
  });

  it("discards a failed job with a reason; a discarded Stripe event is not queued again", async () => {
    const operator = await operatorClient();
    const eventId = `evt_discard_${Date.now()}`;
    const jobId = await failedStripeJob(eventId);
    await db.stripeEvent.create({ data: { id: eventId, type: "charge.succeeded", payload: stripeEvent("charge.succeeded", { id: "ch_1" }, { id: eventId }) as object } });
    const noReason = await operator.post("/operator/jobs", { intent: "discard", queue: "stripe", jobId, reason: " " });
    expect(noReason.status).toBe(400);
    expect(await page(noReason)).toContain("Say why it is discarded.");
    expect((await operator.post("/operator/jobs", { intent: "discard", queue: "nope", jobId, reason: "Test" })).status).toBe(400);
    const discarded = await operator.post("/operator/jobs", { intent: "discard", queue: "stripe", jobId, reason: "Sent by a test account" });
    expect(discarded.status).toBe(200);
    expect(await getQueue("stripe").getJob(jobId)).toBeUndefined();
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: eventId } })).toMatchObject({ processedAt: expect.any(Date), outcome: "discarded by an operator: Sent by a test account" });
    expect(await db.auditEntry.count({ where: { action: "job.discarded", entityId: `stripe:${jobId}` } })).toBe(1);
  });
});

describe("Stripe inbox", () => {
  it("lists, filters and shows events, and a replay of a fulfilled payment issues nothing twice", async () => {
    const sale = await raceForSale();
    const { client, orderId } = await buyerReadyToPay(web.url, sale);
    const sessionId = await pay(client, orderId);
    await completeAndDeliver(stripe, web.url, SECRET, sessionId);
    const event = await waitFor(() => db.stripeEvent.findFirst({ where: { type: "checkout.session.completed", payload: { path: ["data", "object", "id"], equals: sessionId } } }), (e) => Boolean(e?.processedAt));
    const tickets = await db.ticket.findMany({ where: { orderId }, select: { id: true, bib: true, qrToken: true } });
    const emails = await db.emailMessage.count({ where: { kind: "order_confirmed" } });

    const operator = await operatorClient();
    const list = await page(await operator.request("/operator/stripe-events?type=checkout.session.completed&status=processed&age=1h"));
    expect(list).toContain(event!.id);
    expect(await page(await operator.request("/operator/stripe-events?status=unprocessed&type=checkout.session.completed"))).not.toContain(event!.id);
    const detail = await page(await operator.request(`/operator/stripe-events/${event!.id}`));
    expect(detail).toContain(orderId);
    expect(detail).toContain("paid");

    expect((await operator.post(`/operator/stripe-events/${event!.id}`, {})).status).toBe(200);
    const replayed = await waitFor(() => db.stripeEvent.findUniqueOrThrow({ where: { id: event!.id } }), (e) => e.replays === 1);
    expect(replayed.outcome).toMatch(/^replayed: /);
    expect(await db.ticket.findMany({ where: { orderId }, select: { id: true, bib: true, qrToken: true } })).toEqual(tickets);
    expect(await db.emailMessage.count({ where: { kind: "order_confirmed" } })).toBe(emails);
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "PAID" });
    expect(await db.auditEntry.count({ where: { action: "stripe_event.replayed", entityId: event!.id } })).toBe(1);
    expect((await operator.post("/operator/stripe-events/evt_not_there", {})).status).toBe(404);
  });

  it("housekeeping prunes processed events past the retention and keeps unprocessed ones", async () => {
    const { pruneProcessedStripeEvents } = await import("~/services/stripe-events.server");
    const old = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    const ids = [`evt_old_done_${Date.now()}`, `evt_old_open_${Date.now()}`, `evt_new_done_${Date.now()}`];
    await db.stripeEvent.createMany({
      data: [
        { id: ids[0]!, type: "charge.succeeded", payload: {}, receivedAt: old, processedAt: old },
        { id: ids[1]!, type: "charge.succeeded", payload: {}, receivedAt: old, processedAt: null },
        { id: ids[2]!, type: "charge.succeeded", payload: {}, processedAt: new Date() },
      ],
    });
    expect(await pruneProcessedStripeEvents(30)).toBeGreaterThanOrEqual(1);
    expect((await db.stripeEvent.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((e) => e.id).sort()).toEqual([ids[1], ids[2]].sort());
    await db.stripeEvent.delete({ where: { id: ids[1]! } });
  });
});

describe("alerts, readiness and metrics", () => {
  it("raises one alert for a burst of webhook signature failures", async () => {
    const at = Date.now();
    for (let i = 0; i < SIGNATURE_FAILURE_BURST + 3; i += 1) await countSignatureFailure("bad signature", at);
    const minute = Math.floor(at / 60_000);
    expect(await db.operatorAlert.count({ where: { dedupeKey: `webhook-signature-failures:${minute}` } })).toBe(1);
    await redis.del(redisKey("webhook-signature-failures", minute));
  });

  it("says on /readyz whether a worker's heartbeat is fresh", async () => {
    const ready = (await (await fetch(`${web.url}/readyz`)).json()) as { status: string; workers: { ok: boolean; fresh: number } };
    expect(ready.status).toBe("ready");
    expect(ready.workers.ok).toBe(true);
    expect(ready.workers.fresh).toBeGreaterThanOrEqual(1);
  });

  it("serves Prometheus metrics from web and worker to loopback callers", async () => {
    await (await fetch(`${web.url}/races`)).text();
    const unsigned = await fetch(`${web.url}/webhooks/stripe`, { method: "POST", body: "{}", headers: { "Stripe-Signature": "t=1,v1=bad", "Content-Type": "application/json" } });
    expect(unsigned.status).toBe(400);
    const text = await (await fetch(`${web.url}/metrics`)).text();
    expect(text).toContain('startline_http_request_duration_seconds_count{method="GET",route="/races",status="2xx"}');
    expect(text).toContain("# TYPE startline_sse_connections gauge");
    expect(text).toContain('startline_webhook_stage_duration_seconds_count{stage="verify"}');

    const worker = await startWorkerForTest({ WORKER_HEALTH_PORT: "0" });
    const ready = JSON.parse(worker.output.find((l) => l.includes("worker ready"))!) as { healthPort: number };
    const email = await recordEmail({ kind: "welcome", to: `metrics-${Date.now()}@example.com`, subject: "Hi", text: "Hi", html: "<p>Hi</p>" });
    await enqueue("email.send", { emailId: email.id });
    await waitFor(() => db.emailMessage.findUniqueOrThrow({ where: { id: email.id } }), (e) => e.status === "SENT");
    const workerText = await (await fetch(`http://127.0.0.1:${ready.healthPort}/metrics`)).text();
    expect(workerText).toContain('startline_queue_jobs{queue="stripe",state="failed"}');
    expect(workerText).toContain("# TYPE startline_job_duration_seconds histogram");
  });

  it("carries the request id on the log lines of a request and hands it back", async () => {
    const requestId = `req-${Date.now()}-trace`;
    const response = await fetch(`${web.url}/webhooks/stripe`, { method: "POST", body: "{}", headers: { "Stripe-Signature": "t=1,v1=bad", "X-Request-Id": requestId } });
    expect(response.status).toBe(400);
    expect(response.headers.get("X-Request-Id")).toBe(requestId);
    const line = await waitFor(async () => web.output.find((l) => l.includes(requestId)), Boolean, 5_000);
    expect(JSON.parse(line!)).toMatchObject({ level: "warn", msg: "stripe webhook refused", requestId, route: "webhooks.stripe" });
    expect((await fetch(`${web.url}/healthz`, { headers: { "X-Request-Id": "bad id with spaces" } })).headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers /metrics only with the token when METRICS_TOKEN is set", async () => {
    const { startWebForTest } = await import("../support/stack");
    const token = "metrics-token-for-tests-0001";
    const guarded = await startWebForTest({ METRICS_TOKEN: token });
    expect((await fetch(`${guarded.url}/metrics`)).status).toBe(404);
    const scraped = await fetch(`${guarded.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain("startline_process_cpu_seconds_total");
  });
});
