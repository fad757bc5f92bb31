import { describe, expect, it } from "vitest";
import { getQueue } from "~/jobs/queues.server";
import { handleAccountUpdated } from "~/services/payouts.server";
import { processStripeEvent, requeueUnprocessedStripeEvents } from "~/services/stripe-events.server";
import { db } from "~/utils/db.server";
import { deliverWebhook, signWebhook, stripeEvent } from "../mocks/stripe";
import { createOrganisation } from "../support/factories";
import { useStack } from "../support/stack";

const WEBHOOK_SECRET = "whsec_startline_integration_secret";
const { web } = useStack({ env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET } });

async function jobsFor(eventId: string) {
  const jobs = await getQueue("stripe").getJobs(["waiting", "delayed", "active", "completed", "failed", "prioritized"]);
  return jobs.filter((job) => (job?.data as { eventId?: string } | undefined)?.eventId === eventId);
}

function customerEvent() {
  const event = stripeEvent("customer.created", { id: "cus_test_1", object: "customer", email: "ana@example.com" });
  return { event, payload: JSON.stringify(event) };
}

async function expectNothingStored(eventId: string) {
  expect(await db.stripeEvent.count({ where: { id: eventId } })).toBe(0);
  expect(await jobsFor(eventId)).toHaveLength(0);
}

describe("POST /webhooks/stripe", () => {
  it("records a correctly signed event in the inbox and queues exactly one job for it", async () => {
    const { event, payload } = customerEvent();
    const response = await deliverWebhook(web.url, payload, signWebhook(payload, WEBHOOK_SECRET));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, duplicate: false });

    const stored = await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } });
    expect(stored).toMatchObject({ type: "customer.created", account: null, processedAt: null });
    expect(stored.payload).toEqual(event);
    const jobs = await jobsFor(event.id);
    expect(jobs.map((job) => [job.name, job.id])).toEqual([["stripe.event", `stripe.event-${event.id}`]]);
  });

  it("stores and queues an event delivered ten times (concurrently) only once", async () => {
    const { event, payload } = customerEvent();
    const signature = signWebhook(payload, WEBHOOK_SECRET);
    const responses = await Promise.all(Array.from({ length: 10 }, () => deliverWebhook(web.url, payload, signature)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { duplicate: boolean }[];
    expect(bodies.filter((body) => !body.duplicate)).toHaveLength(1);
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(1);
    expect(await jobsFor(event.id)).toHaveLength(1);
  });

  it("refuses a body changed after signing, with nothing stored", async () => {
    const { event, payload } = customerEvent();
    const signature = signWebhook(payload, WEBHOOK_SECRET);
    const tampered = payload.replace("ana@example.com", "eve@example.com");
    const response = await deliverWebhook(web.url, tampered, signature);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/signature/i);
    await expectNothingStored(event.id);
  });

  it("refuses a missing signature, another secret's signature and a stale (replayed) one", async () => {
    const { event, payload } = customerEvent();
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    const attempts = [
      await deliverWebhook(web.url, payload, undefined),
      await deliverWebhook(web.url, payload, signWebhook(payload, "whsec_someone_else")),
      await deliverWebhook(web.url, payload, signWebhook(payload, WEBHOOK_SECRET, tenMinutesAgo)),
      await deliverWebhook(web.url, payload, "t=123,v1=not-a-signature"),
    ];
    expect(attempts.map((r) => r.status)).toEqual([400, 400, 400, 400]);
    expect(await attempts[2]!.text()).toMatch(/tolerance/i);
    await expectNothingStored(event.id);
  });

  it("answers 405 to anything but POST", async () => {
    const response = await fetch(new URL("/webhooks/stripe", web.url));
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("POST");
  });
});

describe("the stripe.event job", () => {
  it("marks an event it has no handler for as processed, and skips it when run again", async () => {
    const { event, payload } = customerEvent();
    expect((await deliverWebhook(web.url, payload, signWebhook(payload, WEBHOOK_SECRET))).status).toBe(200);
    expect(await processStripeEvent(event.id)).toMatchObject({ outcome: "ignored: Startline does not act on this event type" });
    const stored = await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } });
    expect(stored.outcome).toBe("ignored: Startline does not act on this event type");
    const processedAt = stored.processedAt;
    expect(processedAt).not.toBeNull();
    expect(await processStripeEvent(event.id)).toMatchObject({ outcome: "already processed" });
    expect((await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } })).processedAt).toEqual(processedAt);
  });

  it("reads and marks the events of a rush together, each with its own outcome, and refuses one missing from the inbox alone", async () => {
    const events = Array.from({ length: 40 }, () => customerEvent());
    for (const { payload } of events) expect((await deliverWebhook(web.url, payload, signWebhook(payload, WEBHOOK_SECRET))).status).toBe(200);
    // Half were processed before (a redelivery's job): those are skipped, not marked again.
    const before = events.slice(0, 20).map(({ event }) => event.id);
    await db.stripeEvent.updateMany({ where: { id: { in: before } }, data: { processedAt: new Date("2026-01-01T00:00:00Z"), outcome: "earlier" } });

    const results = await Promise.allSettled([...events.map(({ event }) => processStripeEvent(event.id)), processStripeEvent("evt_not_in_the_inbox")]);

    expect(results.slice(0, 20).map((r) => r.status === "fulfilled" && r.value.outcome)).toEqual(Array(20).fill("already processed"));
    expect(results.slice(20, 40).map((r) => r.status === "fulfilled" && r.value.outcome)).toEqual(Array(20).fill("ignored: Startline does not act on this event type"));
    expect(String((results[40] as PromiseRejectedResult).reason)).toContain("Stripe event evt_not_in_the_inbox is not in the inbox");
    const stored = await db.stripeEvent.findMany({ where: { id: { in: events.map(({ event }) => event.id) } }, select: { id: true, outcome: true, processedAt: true } });
    const outcomeOf = new Map(stored.map((row) => [row.id, row]));
    expect(before.map((id) => outcomeOf.get(id))).toEqual(before.map((id) => ({ id, outcome: "earlier", processedAt: new Date("2026-01-01T00:00:00Z") })));
    expect(events.slice(20).every(({ event }) => outcomeOf.get(event.id)?.processedAt && outcomeOf.get(event.id)?.outcome?.startsWith("ignored"))).toBe(true);
  });

  it("applies account.updated once when run twice, even if the first run stopped before marking the event processed", async () => {
    const { organisation, user } = await createOrganisation("OWNER");
    const accountId = `acct_${organisation.id}`;
    await db.organisation.update({ where: { id: organisation.id }, data: { stripeAccountId: accountId, connectStatus: "PENDING" } });
    const account = { id: accountId, object: "account", charges_enabled: true, payouts_enabled: true, details_submitted: true };
    const event = stripeEvent("account.updated", account, { account: accountId, previousAttributes: { charges_enabled: false } });
    const payload = JSON.stringify(event);
    expect((await deliverWebhook(web.url, payload, signWebhook(payload, WEBHOOK_SECRET))).status).toBe(200);

    // A crash between the handler and marking the event processed means the handler runs again.
    await handleAccountUpdated(event as never);
    await processStripeEvent(event.id);
    await processStripeEvent(event.id);

    expect(await db.organisation.findUniqueOrThrow({ where: { id: organisation.id } })).toMatchObject({
      connectStatus: "ENABLED",
      chargesEnabled: true,
      payoutsEnabled: true,
    });
    expect(await db.notification.count({ where: { userId: user.id, kind: "payouts.enabled" } })).toBe(1);
    expect(await db.auditEntry.count({ where: { organisationId: organisation.id, action: "organisation.payouts_status_changed" } })).toBe(1);
  });

  it("is queued again by housekeeping when an event was stored but never processed", async () => {
    const { event, payload } = customerEvent();
    const { event: done, payload: donePayload } = customerEvent();
    const longAgo = new Date(Date.now() - 10 * 60_000);
    await db.stripeEvent.create({ data: { id: event.id, type: event.type, payload: JSON.parse(payload) as object, receivedAt: longAgo } });
    await db.stripeEvent.create({
      data: { id: done.id, type: done.type, payload: JSON.parse(donePayload) as object, receivedAt: longAgo, processedAt: new Date() },
    });
    expect(await requeueUnprocessedStripeEvents(5 * 60_000)).toBeGreaterThanOrEqual(1);
    expect(await jobsFor(event.id)).toHaveLength(1);
    expect(await jobsFor(done.id)).toHaveLength(0);
  });

  it("gives up at once (no retries) on an event that is not in the inbox", async () => {
    await expect(processStripeEvent("evt_never_received")).rejects.toThrow(/not in the inbox/);
  });
});
