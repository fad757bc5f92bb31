import { describe, expect, it, onTestFinished } from "vitest";
import { jobCatalog } from "~/jobs/catalog";
import { AFTER_OTHERS, enqueue, getQueue } from "~/jobs/queues.server";
import { RetryLaterError } from "~/jobs/retry";
import { deliverEmail, recordEmail, requeueStaleEmails, SEND_CLAIM_MS, sendQueued } from "~/services/email.server";
import { db } from "~/utils/db.server";
import { startSmtpDouble } from "../mocks/smtp";
import { createOrganisation, createParticipant, createRace, createTicketType } from "../support/factories";
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
  it("leaves an email claimed by a running attempt alone, and sends again one whose attempt was interrupted", async () => {
    const { emailId } = await userWithEmail();
    await db.emailMessage.update({ where: { id: emailId }, data: { status: "SENDING", sendingAt: new Date(), attempts: 1 } });
    await expect(deliverEmail(emailId)).rejects.toBeInstanceOf(RetryLaterError);
    expect(await db.emailMessage.findUniqueOrThrow({ where: { id: emailId } })).toMatchObject({ status: "SENDING", attempts: 1 });

    await db.emailMessage.update({ where: { id: emailId }, data: { sendingAt: new Date(Date.now() - SEND_CLAIM_MS - 1_000) } });
    await deliverEmail(emailId);
    expect(await db.emailMessage.findUniqueOrThrow({ where: { id: emailId } })).toMatchObject({ status: "SENT", attempts: 2 });
  });

  it("hands the mail server at most EMAIL_SENDS_PER_SECOND, and sends a receipt after the other emails waiting", async () => {
    const started = Date.now();
    await startWorkerForTest({ EMAIL_SENDS_PER_SECOND: "4" });
    // The worker's start-up sweep queues every QUEUED email it finds: let it finish before these are written.
    await waitFor(
      () => getQueue("housekeeping").getJobs(["completed"]),
      (jobs) => jobs.some((job) => job.id?.startsWith("housekeeping.catch-up-") && job.timestamp >= started),
    );
    const receipts: string[] = [];
    for (let i = 0; i < 12; i += 1) receipts.push((await userWithEmail(`Receipt ${i}`)).emailId);
    const { emailId: reset } = await userWithEmail("Reset your password");
    for (const emailId of receipts) await sendQueued(emailId, { receipt: true });
    await sendQueued(reset);

    const mine = [...receipts, reset];
    const sent = await waitFor(
      () => db.emailMessage.findMany({ where: { id: { in: mine } }, select: { id: true, sentAt: true } }),
      (rows) => rows.every((row) => row.sentAt !== null),
      20_000,
    );
    const at = new Map(sent.map((row) => [row.id, row.sentAt!.getTime()]));
    expect(at.size).toBe(13);
    // 13 emails at 4 a second take four windows of a second: from the first to the last, the two windows between at
    // least, however late in its window the first went (emails left from earlier tests may have used part of it).
    const times = [...at.values()].sort((a, b) => a - b);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(1_900);
    // Queued last, the other email still goes before most receipts: only those taken before it was queued (one window).
    expect(receipts.filter((id) => at.get(id)! < at.get(reset)!).length).toBeLessThanOrEqual(8);
  });

  it("queues a receipt that housekeeping finds still queued after the other emails again", async () => {
    const { emailId: welcome } = await userWithEmail();
    const { id: receipt } = await db.emailMessage.create({ data: { kind: "order_confirmed", to: uniqueEmail("receipt"), subject: "", text: "", html: "" } });
    await requeueStaleEmails(0);
    const priorityOf = async (emailId: string) => (await getQueue("email").getJob(`email.send-${emailId}`))?.priority;
    expect(await priorityOf(receipt)).toBe(AFTER_OTHERS);
    expect(await priorityOf(welcome)).toBe(0);
    await getQueue("email").obliterate({ force: true });
  });

  it("refuses an email that does not exist for good", async () => {
    await expect(deliverEmail("no-such-email")).rejects.toThrow("email no-such-email does not exist");
  });

  it("renders a confirmation from its order in the attempt that sends it, and keeps what a failed attempt rendered", async () => {
    const { organisation } = await createOrganisation();
    const race = await createRace(organisation.id, { status: "PUBLISHED", name: "Rendered Run" });
    const type = await createTicketType(race.id);
    const { order } = await createParticipant(race.id, type.id, { firstName: "Rena" }, 42);
    const { id: emailId } = await db.emailMessage.create({ data: { kind: "order_confirmed", to: order.buyerEmail, subject: "", text: "", html: "", confirmsOrderId: order.id } });

    await startWorkerForTest({ SMTP_URL: "smtp://127.0.0.1:9" });
    await enqueue("email.send", { emailId });
    const failed = await waitFor(() => db.emailMessage.findUniqueOrThrow({ where: { id: emailId } }), (e) => e.error !== null);
    await getQueue("email").obliterate({ force: true });
    expect(failed).toMatchObject({ status: "QUEUED", subject: "You're registered: Rendered Run" });
    expect(failed.html).toContain("Rena");
    expect(failed.attachments).toEqual([expect.objectContaining({ filename: "ticket-42.png", contentType: "image/png" })]);

    await deliverEmail(emailId);
    const sent = await db.emailMessage.findUniqueOrThrow({ where: { id: emailId } });
    expect(sent).toMatchObject({ status: "SENT", transport: "outbox", subject: failed.subject, html: failed.html, error: null });
  });
});
