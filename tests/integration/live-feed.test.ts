import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordEmail, sendQueued } from "~/services/email.server";
import { closeQueues } from "~/jobs/queues.server";
import { db } from "~/utils/db.server";
import { Client, openEventStream, uniqueEmail } from "../support/http";
import { startWeb, startWorker, testEnv } from "../support/processes";
import { waitFor } from "../support/wait";

let web: Awaited<ReturnType<typeof startWeb>>;
let worker: Awaited<ReturnType<typeof startWorker>>;
const inspector = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");

beforeAll(async () => {
  [web, worker] = await Promise.all([startWeb(testEnv()), startWorker(testEnv())]);
});
afterAll(async () => {
  await Promise.all([web?.stop(), worker?.stop()]);
  await closeQueues();
  await db.$disconnect();
  inspector.disconnect();
});

async function signedInUser() {
  const client = new Client(web.url);
  const email = uniqueEmail("live");
  const response = await client.post("/signup", { name: "Lina Live", email, password: "correct-horse-battery" });
  expect(response.status).toBe(302);
  const user = await db.user.findUniqueOrThrow({ where: { email }, select: { id: true } });
  return { client, email, userId: user.id };
}

function subscriberCount(userId: string) {
  const channel = `${process.env.REDIS_PREFIX}:user:${userId}`;
  return inspector.pubsub("NUMSUB", channel).then((reply) => Number((reply as [string, number])[1]));
}


describe("the user's live feed", () => {
  it("refuses anonymous visitors", async () => {
    const response = await new Client(web.url).request("/account/live");
    expect(response.status).toBe(401);
  });

  it("delivers a notification published by the worker process to SSE clients of the web process, then releases the subscription", async () => {
    const { client, email, userId } = await signedInUser();
    // Let the welcome email from sign-up land first, so the delta below is the only new one.
    await waitFor(async () => (await db.notification.count({ where: { userId } })) === 1, Boolean, 10_000);

    const tabA = await openEventStream(client, "/account/live");
    const tabB = await openEventStream(client, "/account/live");
    expect(tabA.response.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
    const snapshot = (await tabA.next((e) => e.event === "snapshot")).data as { notifications: unknown[]; creditBalance: number };
    expect(snapshot.notifications).toHaveLength(1);
    expect(snapshot.creditBalance).toBe(0);
    await tabB.next((e) => e.event === "snapshot");

    // Two tabs of one process share one Redis subscription.
    expect(await subscriberCount(userId)).toBe(1);

    // The test process queues the job; the worker process sends it and publishes; the web process streams it.
    const { id: emailId } = await recordEmail({ userId, kind: "welcome", to: email, subject: "Hello again", text: "t", html: "<p>t</p>" });
    await sendQueued(emailId);
    const isDelivery = (e: { event: string; data: unknown }) =>
      e.event === "delta" && (e.data as { type: string; notification?: { body: string } }).notification?.body === `We sent a welcome email to ${email}.`;
    const [deltaA, deltaB] = await Promise.all([tabA.next(isDelivery), tabB.next(isDelivery)]);
    expect(deltaA.data).toEqual(deltaB.data);
    expect(worker.output.some((line) => line.includes(`"jobId":"email.send-${emailId}"`) && line.includes("job started"))).toBe(true);

    await tabA.close();
    await tabB.close();
    expect(await waitFor(async () => (await subscriberCount(userId)) === 0, Boolean)).toBe(true);
  });

  it("gives a tab that connects later the stored notification in its snapshot, and dismissing clears it in other tabs", async () => {
    const { client, email, userId } = await signedInUser();
    expect(await waitFor(async () => (await db.notification.count({ where: { userId } })) === 1, Boolean, 10_000)).toBe(true);

    const early = await openEventStream(client, "/account/live");
    await early.next((e) => e.event === "snapshot");
    const late = await openEventStream(client, "/account/live");
    const snapshot = (await late.next((e) => e.event === "snapshot")).data as { notifications: { id: string; body: string }[] };
    expect(snapshot.notifications.map((n) => n.body)).toEqual([`We sent a welcome email to ${email}.`]);

    const dismissed = await client.post("/notifications/dismiss", { id: snapshot.notifications[0]!.id });
    expect(dismissed.status).toBe(200);
    const delta = await early.next((e) => e.event === "delta" && (e.data as { type: string }).type === "notification.dismissed");
    expect(delta.data).toEqual({ type: "notification.dismissed", id: snapshot.notifications[0]!.id });
    await Promise.all([early.close(), late.close()]);
  });

  it("does not let one user dismiss another user's notification", async () => {
    const owner = await signedInUser();
    const other = await signedInUser();
    expect(await waitFor(async () => (await db.notification.count({ where: { userId: owner.userId } })) === 1, Boolean, 10_000)).toBe(true);
    const notification = await db.notification.findFirstOrThrow({ where: { userId: owner.userId } });
    await other.client.post("/notifications/dismiss", { id: notification.id });
    const after = await db.notification.findUniqueOrThrow({ where: { id: notification.id } });
    expect(after.dismissedAt).toBeNull();
  });
});
