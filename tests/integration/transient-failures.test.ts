import { describe, expect, it } from "vitest";
import { enqueue, getQueue } from "~/jobs/queues.server";
import { db } from "~/utils/db.server";
import { buyerReadyToPay, deliverSessionEvent, pay, raceForSale } from "../support/checkout";
import { createUser } from "../support/factories";
import { loggedIn } from "../support/session";
import { useStack } from "../support/stack";
import { waitFor } from "../support/wait";

const SECRET = "whsec_transient_failures";
const { web, stripe } = useStack({ worker: true, stripe: { webhookSecret: SECRET } });

const page = async (response: Response | Promise<Response>) => (await (await response).text()).replaceAll("<!-- -->", "");

describe("transient and final job failures, as operators see them", () => {
  it("a payment whose first attempt fails on Stripe is fulfilled on a retry, and the operator home counts it as needing a retry", async () => {
    const operator = await loggedIn(web.url, (await createUser({ role: "OPERATOR" })).email);
    const recoveredBefore = Number(/data-testid="recovered-stripe">(\d+)</.exec(await page(operator.request("/operator")))?.[1]);
    const sale = await raceForSale();
    const { client, orderId } = await buyerReadyToPay(web.url, sale);
    const sessionId = await pay(client, orderId);
    stripe.completeSession(sessionId);
    // Fulfilment reads the session from Stripe: its first attempt (the SDK's own retries included) gets only 500s.
    stripe.fail("GET", new RegExp(`^/v1/checkout/sessions/${sessionId}$`), [{ status: 500 }, { status: 500 }, { status: 500 }]);
    const { id: eventId } = await deliverSessionEvent(stripe, web.url, SECRET, "checkout.session.completed", sessionId);

    const order = await waitFor(() => db.order.findUniqueOrThrow({ where: { id: orderId } }), (o) => o.status === "PAID", 45_000);
    expect(order.status).toBe("PAID");
    const jobId = `stripe.event-${eventId}`;
    expect(await waitFor(() => getQueue("stripe").getJobState(jobId), (state) => state === "completed")).toBe("completed");
    const job = (await getQueue("stripe").getJob(jobId))!;
    expect(job.attemptsMade).toBeGreaterThan(1);
    const home = await waitFor(() => page(operator.request("/operator")), (html) => html.includes(`data-testid="recovered-stripe">${recoveredBefore + 1}<`));
    expect(home).toContain(`data-testid="recovered-stripe">${recoveredBefore + 1}<`);
    expect(await db.operatorAlert.count({ where: { dedupeKey: `job-failed:stripe:${job.id}` } })).toBe(0);
  });

  it("a job that fails for good raises a critical alert to every operator", async () => {
    const operator = await createUser({ role: "OPERATOR" });
    const job = await enqueue("stripe.event", { eventId: `evt_never_received_${Date.now()}` });
    await waitFor(() => job.isFailed(), Boolean, 20_000);
    const alert = await waitFor(() => db.operatorAlert.findUnique({ where: { dedupeKey: `job-failed:stripe:${job.id}` } }), Boolean);
    expect(alert).toMatchObject({ kind: "job.failed", severity: "CRITICAL" });
    expect(alert!.message).toContain(job.id!);
    const notified = await waitFor(() => db.notification.count({ where: { userId: operator.id, kind: "operator.alert", body: alert!.message } }), (n) => n > 0);
    expect(notified).toBe(1);
  });
});
