import { describe, expect, it, onTestFinished } from "vitest";
import { jobCatalog } from "~/jobs/catalog";
import { enqueue, getQueue } from "~/jobs/queues.server";
import { deliverEmail, recordEmail } from "~/services/email.server";
import { db } from "~/utils/db.server";
import { startSmtpDouble } from "../mocks/smtp";
import { uniqueEmail } from "../support/http";
import { startWorkerForTest } from "../support/stack";
import { waitFor } from "../support/wait";

async function userWithEmail(subject = "Welcome to Startline") {
  const to = uniqueEmail("mail");
  const user = await db.user.create({ data: { email: to, name: "Mo Mail", passwordHash: "x" } });
  const { id } = await recordEmail({ userId: user.id, kind: "welcome", to, subject, text: "Hello", html: "<p>Hello</p>" });
  return { userId: user.id, emailId: id, to };
}

describe("email.send", () => {
  it("without SMTP_URL keeps the email in the local outbox and notifies the user once, even when run twice", async () => {
    const { userId, emailId } = await userWithEmail();
    await deliverEmail(emailId);
    await deliverEmail(emailId);
    const email = await db.emailMessage.findUniqueOrThrow({ where: { id: emailId } });
    expect(email).toMatchObject({ status: "SENT", transport: "outbox", attempts: 1 });
    expect(await db.notification.count({ where: { userId } })).toBe(1);
  });

  it("collapses duplicate enqueues of the same email into one job", async () => {
    const { emailId } = await userWithEmail();
    const first = await enqueue("email.send", { emailId });
    const second = await enqueue("email.send", { emailId });
    expect(second.id).toBe(first.id);
    expect(await getQueue(jobCatalog["email.send"].queue).getJobCountByTypes("waiting", "delayed", "active")).toBeGreaterThanOrEqual(1);
    await getQueue("email").obliterate({ force: true });
  });

  it("sends through SMTP from the worker process when SMTP_URL is set", async () => {
    const smtp = await startSmtpDouble();
    onTestFinished(() => smtp.close());
    await startWorkerForTest({ SMTP_URL: smtp.url });
    const { emailId, to } = await userWithEmail("Your Startline account");
    await enqueue("email.send", { emailId });
    const email = await waitFor(() => db.emailMessage.findUniqueOrThrow({ where: { id: emailId } }), (e) => e.status === "SENT");
    expect(email.transport).toBe("smtp");
    // The worker's boot sweep may also deliver emails earlier tests left queued; count only this one.
    const mine = smtp.received.filter((m) => m.to.includes(to));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.raw).toContain("Subject: Your Startline account");
  });

  it("finishes the job in progress when the worker is told to stop (SIGTERM)", async () => {
    const smtp = await startSmtpDouble({ delayMs: 1_500 });
    onTestFinished(() => smtp.close());
    const worker = await startWorkerForTest({ SMTP_URL: smtp.url });
    const { emailId, to } = await userWithEmail();
    await enqueue("email.send", { emailId });
    await waitFor(async () => worker.output.some((l) => l.includes("job started") && l.includes(emailId)), Boolean);
    const exitCode = await worker.stop("SIGTERM");
    expect(exitCode).toBe(0);
    const email = await db.emailMessage.findUniqueOrThrow({ where: { id: emailId } });
    expect(email.status).toBe("SENT");
    expect(smtp.received.filter((m) => m.to.includes(to))).toHaveLength(1);
    expect(worker.output.some((l) => l.includes('"msg":"worker stopped"'))).toBe(true);
  });

  it("retries a failing SMTP server and records the error", async () => {
    await startWorkerForTest({ SMTP_URL: "smtp://127.0.0.1:9" });
    const { emailId } = await userWithEmail();
    await enqueue("email.send", { emailId });
    const email = await waitFor(() => db.emailMessage.findUniqueOrThrow({ where: { id: emailId } }), (e) => e.error !== null);
    expect(email.status).toBe("QUEUED");
    expect(email.error).toMatch(/ECONNREFUSED|connect/i);
    const job = await getQueue("email").getJob(`email.send-${emailId}`);
    expect(await job?.getState()).toMatch(/delayed|waiting|active/);
    await getQueue("email").obliterate({ force: true });
  });
});
