import { afterAll, expect, it } from "vitest";
import { retriedFailures } from "./support/job-log";
import { deliverLikeStripe, paced, sleep, waitUntil } from "./support/load";
import { printTable, type ReportRow } from "./support/report";
import { prepareStack } from "./support/stack";

/**
 * Scenario 6: Stripe, OpenAI and the SMTP server turn slow and failing while payments, confirmations and AI jobs are
 * under way: Stripe answers slowly, with 500s and with 429 + Retry-After; OpenAI with 429 + Retry-After, 500s and
 * requests that time out; the SMTP server slowly or with 421 "try again later". Jobs retry with backoff, never
 * sooner than they were asked to; once the faults clear nothing is lost and nothing is done twice. Work that
 * fails for good (a mailbox that does not exist, a question the model refuses) is shown to operators on
 * /operator/alerts, and AI credits are refunded once.
 */

const ORDERS = 120;
const REFUSED_MAILBOXES = 3;
const AI_QUESTIONS = 20;
const AI_REFUSED = 3;
const STRIPE_SMTP_OUTAGE_MS = 20_000;
/** OpenAI keeps failing this long after the last question is asked. */
const OPENAI_OUTAGE_MS = 3_000;
const STRIPE_RETRY_AFTER_S = 3;
const OPENAI_RETRY_AFTER_S = 2;
/** ADR 0031: an SMTP "try again later" is retried no sooner than a minute. */
const SMTP_RETRY_AFTER_MS = 60_000;
/** Timers fire a little early or late; a retry this much sooner than asked still counts as honouring it. */
const CLOCK_SLACK_MS = 50;

const stack = await prepareStack({ env: { AI_TIMEOUT_MS: "2000" } });
const { db } = await import("~/utils/db.server");
const fixtures = await import("./support/fixtures");
const { createUser } = await import("../support/factories");
const { loggedIn } = await import("../support/session");

afterAll(() => stack.close());

/** For each fault that asked to wait (at `at`, for `waitMs`), the next request for the same thing must come no sooner. */
function retriesHonoured(asked: { key: string; at: number; waitMs: number }[], attempts: { key: string; at: number }[]) {
  let honoured = 0;
  const early: string[] = [];
  let unretried = 0;
  for (const ask of asked) {
    const next = attempts.filter((a) => a.key === ask.key && a.at > ask.at).sort((a, b) => a.at - b.at)[0];
    if (!next) unretried += 1;
    else if (next.at - ask.at >= ask.waitMs - CLOCK_SLACK_MS) honoured += 1;
    else early.push(`${ask.key.slice(-12)} after ${next.at - ask.at} ms`);
  }
  return { asked: asked.length, honoured, early, unretried };
}

it("retries through slow and failing Stripe, OpenAI and SMTP, loses nothing, and shows operators what failed for good", async () => {
  const sale = await fixtures.saleRace({ capacity: 2_000 });
  const orders = await fixtures.pendingOrders(sale, ORDERS);
  const refusedOrders = orders.slice(0, REFUSED_MAILBOXES);
  for (const order of refusedOrders) stack.smtp.refuseRecipient(order.buyerEmail);
  const events = orders.map((o) => fixtures.paidEvent(stack.stripe, o.sessionId));
  const operator = await createUser({ role: "OPERATOR" });
  const web = await stack.startWeb();
  const worker = await stack.startWorker();

  const refusedMarkers = Array.from({ length: AI_REFUSED }, (_, i) => `refused-${i}`);
  const okMarkers = Array.from({ length: AI_QUESTIONS }, (_, i) => `asked-${i}`);
  // The model refuses these questions outright (a 400 is not retried): their credits come back.
  for (const marker of refusedMarkers) stack.openai.script(marker, [{ error: 400 }]);

  const started = Date.now();
  const at = (t: number) => `${((t - started) / 1000).toFixed(1)} s`;
  // Each payment's fulfilment reads its Checkout Session from Stripe: slow, 500 (which the SDK retries itself), or
  // 429 with Retry-After (which it does not).
  stack.stripe.startOutage("GET", /^\/v1\/checkout\/sessions\//, [{ delayMs: 1_500 }, { status: 500 }, { status: 429, retryAfterSeconds: STRIPE_RETRY_AFTER_S }]);
  stack.smtp.startOutage([{ reject: 421, message: "Service not available, try again later" }, { delayMs: 2_000 }]);
  stack.openai.startOutage([{ error: 429, retryAfterSeconds: OPENAI_RETRY_AFTER_S }, { error: 500 }, { hangMs: 5_000 }]);
  const clear = (async () => {
    await sleep(STRIPE_SMTP_OUTAGE_MS);
    stack.stripe.endOutage();
    stack.smtp.endOutage();
    return Date.now();
  })();
  let openaiBack = 0;
  const [deliveries, aiJobs] = await Promise.all([
    paced(events, 20, (event) => deliverLikeStripe(web.url, event, stack.webhookSecret, { deadline: Date.now() + 120_000 })),
    (async () => {
      // The questions are asked while OpenAI fails, which it does until a moment after the last one.
      const asked = await fixtures.aiQuestions(sale.race.id, [...refusedMarkers, ...okMarkers]);
      await sleep(OPENAI_OUTAGE_MS);
      stack.openai.endOutage();
      openaiBack = Date.now();
      return asked;
    })(),
  ]);
  const othersBack = await clear;

  const eventIds = events.map((e) => e.id);
  const aiJobIds = aiJobs.map((j) => j.aiJobId);
  const confirmations = () => db.emailMessage.findMany({ where: { kind: "order_confirmed" }, select: { id: true, to: true, status: true } });
  await waitUntil(
    "every payment processed, every confirmation settled, every AI job finished",
    async () => {
      const emails = await confirmations();
      return {
        events: await db.stripeEvent.count({ where: { id: { in: eventIds }, processedAt: { not: null } } }),
        emails: emails.filter((e) => e.status === "SENT" || e.status === "FAILED").length,
        ai: await db.aiJob.count({ where: { id: { in: aiJobIds }, status: { in: ["DONE", "FAILED"] } } }),
      };
    },
    (n) => n.events === ORDERS && n.emails === ORDERS && n.ai === aiJobIds.length,
    240_000,
    500,
  ).catch(async (error: unknown) => {
    const { getQueue } = await import("~/jobs/queues.server");
    for (const job of await db.aiJob.findMany({ where: { id: { in: aiJobIds }, status: { notIn: ["DONE", "FAILED"] } }, select: { id: true, status: true, attempts: true, error: true } })) {
      const queued = await getQueue("ai").getJob(`ai.run-${job.id}`);
      const marker = aiJobs.find((j) => j.aiJobId === job.id)?.marker ?? "?";
      console.log("unfinished AI job", job, marker, queued ? { state: await queued.getState(), attemptsMade: queued.attemptsMade } : "no BullMQ job", stack.openai.requestsFor(marker).map((r) => r.at - started));
    }
    throw error;
  });
  const drainedAt = Date.now();
  // A retry still on its way (a second send, a second refund) would show now.
  await sleep(2_000);

  // What the doubles saw.
  const stripeAsked = stack.stripe.faultsAnswered
    .filter((f) => "status" in f.step && f.step.status === 429)
    .map((f) => ({ key: f.path, at: f.at, waitMs: STRIPE_RETRY_AFTER_S * 1000 }));
  const stripeRetries = retriesHonoured(stripeAsked, stack.stripe.requests.filter((r) => r.method === "GET").map((r) => ({ key: r.path, at: r.at })));
  const markerOf = (prompt: string) => [...refusedMarkers, ...okMarkers].find((m) => new RegExp(`\\b${m}\\b`).test(prompt)) ?? "?";
  const openaiAsked = stack.openai.faultsAnswered.filter((f) => "error" in f.step && f.step.error === 429).map((f) => ({ key: markerOf(f.prompt), at: f.at, waitMs: OPENAI_RETRY_AFTER_S * 1000 }));
  const openaiRetries = retriesHonoured(openaiAsked, stack.openai.requests.map((r) => ({ key: markerOf(r.messages.map((m) => m.content).join("\n")), at: r.at })));
  const smtpAsked = stack.smtp.rejected.filter((r) => r.code === 421 && r.messageId).map((r) => ({ key: r.messageId!, at: r.at, waitMs: SMTP_RETRY_AFTER_MS }));
  const smtpRetries = retriesHonoured(smtpAsked, [...stack.smtp.received.map((m) => ({ key: m.messageId ?? "", at: m.at })), ...stack.smtp.rejected.map((r) => ({ key: r.messageId ?? "", at: r.at }))]);
  const stripeFaults = stack.stripe.faultsAnswered.length;

  // What the app did.
  const orderIds = orders.map((o) => o.orderId);
  const paid = await db.order.count({ where: { id: { in: orderIds }, status: "PAID" } });
  const expectedTickets = orders.reduce((sum, o) => sum + o.quantity, 0);
  const issued = await db.ticket.count({ where: { orderId: { in: orderIds }, status: "ISSUED" } });
  const emails = await confirmations();
  const refusedAddresses = new Set(refusedOrders.map((o) => o.buyerEmail));
  const deliverable = emails.filter((e) => !refusedAddresses.has(e.to));
  const receipts = new Map<string, number>();
  for (const mail of stack.smtp.received) if (mail.messageId) receipts.set(mail.messageId, (receipts.get(mail.messageId) ?? 0) + 1);
  const receiptsOf = (emailId: string) => receipts.get(`<${emailId}@startline>`) ?? 0;
  const failedEmails = emails.filter((e) => e.status === "FAILED");
  const ai = await db.aiJob.findMany({ where: { id: { in: aiJobIds } }, select: { id: true, status: true } });
  const spends = await db.creditEntry.groupBy({ by: ["aiJobId"], where: { aiJobId: { in: aiJobIds }, kind: "SPEND" }, _count: true });
  const refunds = await db.creditEntry.groupBy({ by: ["aiJobId"], where: { aiJobId: { in: aiJobIds }, kind: "REFUND" }, _count: true });
  const count = (rows: { aiJobId: string | null; _count: number }[], id: string) => rows.find((r) => r.aiJobId === id)?._count ?? 0;
  const refusedIds = new Set(aiJobs.filter((j) => j.marker.startsWith("refused-")).map((j) => j.aiJobId));
  const askedOk = ai.filter((j) => !refusedIds.has(j.id));
  const alerts = await db.operatorAlert.findMany({ where: { kind: "job.failed" }, select: { message: true, severity: true, context: true } });
  const alertFor = (jobId: string) => alerts.find((a) => (a.context as { jobId?: string }).jobId === jobId);
  const finalFailures = [...failedEmails.map((e) => `email.send-${e.id}`), ...ai.filter((j) => j.status === "FAILED").map((j) => `ai.run-${j.id}`)];
  const operatorPage = await (await (await loggedIn(web.url, operator.email)).request("/operator/alerts")).text();
  const onPage = finalFailures.filter((jobId) => operatorPage.includes(jobId));
  const retried = retriedFailures([worker.output]);

  const rows: ReportRow[] = [
    { what: "webhooks answered 2xx (Stripe's API failing)", eventsIn: ORDERS, effectsOut: deliveries.filter((d) => d.delivered).length, lost: deliveries.filter((d) => !d.delivered).length, doubled: 0 },
    { what: "orders paid (session reads slow / 500 / 429)", eventsIn: ORDERS, effectsOut: paid, lost: ORDERS - paid, doubled: 0, note: `${stripeFaults} Stripe requests answered by the fault` },
    { what: "tickets issued", eventsIn: expectedTickets, effectsOut: issued, lost: Math.max(0, expectedTickets - issued), doubled: Math.max(0, issued - expectedTickets) },
    {
      what: "Stripe 429s retried no sooner than Retry-After",
      eventsIn: stripeRetries.asked,
      effectsOut: stripeRetries.honoured,
      lost: stripeRetries.early.length + stripeRetries.unretried,
      doubled: 0,
      note: `Retry-After ${STRIPE_RETRY_AFTER_S} s${stripeRetries.early.length ? `; early: ${stripeRetries.early.slice(0, 3).join(", ")}` : ""}`,
    },
    {
      what: "confirmations delivered (SMTP slow / 421)",
      eventsIn: deliverable.length,
      effectsOut: deliverable.filter((e) => e.status === "SENT" && receiptsOf(e.id) > 0).length,
      lost: deliverable.filter((e) => e.status !== "SENT" || receiptsOf(e.id) === 0).length + Math.max(0, ORDERS - emails.length),
      doubled: deliverable.reduce((sum, e) => sum + Math.max(0, receiptsOf(e.id) - 1), 0) + Math.max(0, emails.length - ORDERS),
    },
    {
      what: "SMTP 421s retried no sooner than 60 s",
      eventsIn: smtpRetries.asked,
      effectsOut: smtpRetries.honoured,
      lost: smtpRetries.early.length + smtpRetries.unretried,
      doubled: 0,
      note: smtpRetries.early.length ? `early: ${smtpRetries.early.slice(0, 3).join(", ")}` : "",
    },
    {
      what: "emails refused for good (550): FAILED, operator alerted",
      eventsIn: REFUSED_MAILBOXES,
      effectsOut: failedEmails.filter((e) => refusedAddresses.has(e.to) && alertFor(`email.send-${e.id}`)).length,
      lost: REFUSED_MAILBOXES - failedEmails.filter((e) => refusedAddresses.has(e.to) && alertFor(`email.send-${e.id}`)).length,
      doubled: 0,
      note: `${failedEmails.length} FAILED in all`,
    },
    {
      what: "AI answers (OpenAI 429 / 500 / timeout)",
      eventsIn: AI_QUESTIONS,
      effectsOut: askedOk.filter((j) => j.status === "DONE").length,
      // A question that failed for good during the outage is not lost if its credits came back and operators were told.
      lost: askedOk.filter((j) => j.status !== "DONE" && !(j.status === "FAILED" && count(refunds, j.id) === 1 && alertFor(`ai.run-${j.id}`))).length,
      doubled: aiJobIds.filter((id) => count(spends, id) !== 1 || count(refunds, id) > 1).length,
      note: `${askedOk.filter((j) => j.status === "FAILED").length} failed for good during the outage, refunded and alerted`,
    },
    {
      what: "OpenAI 429s retried no sooner than Retry-After",
      eventsIn: openaiRetries.asked,
      effectsOut: openaiRetries.honoured,
      lost: openaiRetries.early.length,
      doubled: 0,
      note: `Retry-After ${OPENAI_RETRY_AFTER_S} s; ${openaiRetries.unretried} were the job's last attempt${openaiRetries.early.length ? `; early: ${openaiRetries.early.slice(0, 3).join(", ")}` : ""}`,
    },
    {
      what: "AI questions refused (400): refunded once, operator alerted",
      eventsIn: AI_REFUSED,
      effectsOut: [...refusedIds].filter((id) => count(refunds, id) === 1 && alertFor(`ai.run-${id}`)).length,
      lost: [...refusedIds].filter((id) => count(refunds, id) === 0 || !alertFor(`ai.run-${id}`)).length,
      doubled: [...refusedIds].filter((id) => count(refunds, id) > 1).length,
    },
    { what: "final failures listed on /operator/alerts", eventsIn: finalFailures.length, effectsOut: onPage.length, lost: finalFailures.length - onPage.length, doubled: 0 },
  ];
  printTable("Scenario 6: slow and failing Stripe, OpenAI and SMTP", rows, {
    faults: `OpenAI failing from 0 to ${at(openaiBack)} (${OPENAI_OUTAGE_MS / 1000} s after the last question), Stripe and SMTP from 0 to ${at(othersBack)}`,
    "drained after": at(drainedAt),
    "attempts that failed and were retried (worker log warnings)": [...retried].map(([job, n]) => `${job} ${n}`).join(", "),
  });

  for (const row of rows) expect({ what: row.what, lost: row.lost, doubled: row.doubled }).toEqual({ what: row.what, lost: 0, doubled: 0 });
  // The faults were really met: each kind of retry happened.
  expect(stripeRetries.asked).toBeGreaterThan(0);
  expect(smtpRetries.asked).toBeGreaterThan(0);
  expect(openaiRetries.asked).toBeGreaterThan(0);
  expect(failedEmails.map((e) => e.to).sort()).toEqual([...refusedAddresses].sort());
});
