import { enqueue } from "~/jobs/queues.server";
import { PermanentFailure } from "~/lib/errors";
import { db, type Db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { mailer } from "~/utils/mailer.server";
import { notify } from "./notifications.server";

/** A file sent with an email; `cid` lets the HTML show it inline (`<img src="cid:…">`). */
export type EmailAttachment = { filename: string; contentType: string; cid?: string; base64: string };

export type EmailDraft = {
  userId?: string;
  kind: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments?: EmailAttachment[];
};

/** Stores the email (inside the caller's transaction when given); call `sendQueued` after commit. */
export async function recordEmail(draft: EmailDraft, tx: Db = db) {
  const { attachments, ...fields } = draft;
  return tx.emailMessage.create({
    data: { ...fields, userId: draft.userId ?? null, ...(attachments ? { attachments } : {}) },
    select: { id: true },
  });
}

export async function sendQueued(emailId: string) {
  await enqueue("email.send", { emailId });
}

/** Emails stuck in QUEUED (e.g. the enqueue after commit failed) are queued again by housekeeping. */
export async function requeueStaleEmails(olderThanMs = 5 * 60_000) {
  const stale = await db.emailMessage.findMany({
    where: { status: "QUEUED", createdAt: { lt: new Date(Date.now() - olderThanMs) } },
    select: { id: true },
    take: 500,
  });
  for (const { id } of stale) await sendQueued(id);
  return stale.length;
}

/** What to tell the user once an email of this kind has gone out. */
const deliveryNotices: Record<string, (to: string) => { title: string; body: string; href?: string }> = {
  welcome: (to) => ({ title: "Welcome to Startline!", body: `We sent a welcome email to ${to}.` }),
};

/**
 * Delivers one stored email. Safe to run twice: a sent email is not sent again, and the
 * delivery notice is deduplicated by the email id.
 */
export async function deliverEmail(emailId: string) {
  const email = await db.emailMessage.findUnique({ where: { id: emailId } });
  if (!email) throw new PermanentFailure(`email ${emailId} does not exist`);
  if (email.status !== "SENT") {
    await db.emailMessage.update({ where: { id: emailId }, data: { attempts: { increment: 1 } } });
    const { transport, kind } = mailer;
    try {
      const info = await transport.sendMail({
        from: getEnv().EMAIL_FROM,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        attachments: ((email.attachments ?? []) as EmailAttachment[]).map((file) => ({
          filename: file.filename,
          contentType: file.contentType,
          cid: file.cid,
          content: Buffer.from(file.base64, "base64"),
        })),
        messageId: `<${email.id}@startline>`,
      });
      await db.emailMessage.update({
        where: { id: emailId },
        data: { status: "SENT", transport: kind, messageId: info.messageId, sentAt: new Date(), error: null },
      });
    } catch (error) {
      await db.emailMessage.update({
        where: { id: emailId },
        data: { error: error instanceof Error ? error.message : String(error) },
      });
      throw error;
    }
  }
  const notice = deliveryNotices[email.kind];
  if (notice && email.userId) {
    await notify({ userId: email.userId, kind: `email.${email.kind}`, dedupeKey: `email-delivered:${email.id}`, ...notice(email.to) });
  }
}

/** Marks an email failed after its last retry. */
export async function markEmailFailed(emailId: string, reason: string) {
  await db.emailMessage.updateMany({ where: { id: emailId, status: "QUEUED" }, data: { status: "FAILED", error: reason } });
}
