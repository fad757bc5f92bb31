import type { EmailMessage } from "@prisma/client";
import { AFTER_OTHERS, enqueueIfConnected, requeue } from "~/jobs/queues.server";
import { RetryLaterError } from "~/jobs/retry";
import { PermanentFailure } from "~/lib/errors";
import { db, sql, type Db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { createLogger } from "~/utils/logger.server";
import { mailer } from "~/utils/mailer.server";
import { notify } from "./notifications.server";
import { orderConfirmation } from "./order-confirmation.server";

const log = createLogger({ service: "email" });

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

/**
 * Queues the email's delivery; while Redis is away it stays QUEUED and the worker queues it once Redis is back.
 * A receipt (an order's confirmation, a refund's notice) goes after the other emails waiting: a payment rush queues
 * one per order, and a password reset or a team invitation must not wait behind them (ADR 0115).
 */
export async function sendQueued(emailId: string, { receipt = false }: { receipt?: boolean } = {}) {
  await enqueueIfConnected("email.send", { emailId }, receipt ? { priority: AFTER_OTHERS } : {});
}

/**
 * How long a delivery attempt may hold its claim on an email. The SMTP transport gives up well before (see
 * utils/mailer.server.ts), so an older claim belongs to an attempt that was interrupted (its worker died).
 */
export const SEND_CLAIM_MS = 60_000;

/**
 * Emails still to deliver whose job is gone or failed for good (Redis lost it, the enqueue after the commit never
 * happened, its worker died twice while sending), queued again: QUEUED ones older than `olderThanMs`, and ones whose
 * attempt was interrupted (SENDING past its claim). Returns how many were queued.
 */
export async function requeueStaleEmails(olderThanMs: number, now = new Date()) {
  const stale = await db.emailMessage.findMany({
    where: {
      OR: [
        { status: "QUEUED", createdAt: { lte: new Date(now.getTime() - olderThanMs) } },
        { status: "SENDING", sendingAt: { lt: new Date(now.getTime() - SEND_CLAIM_MS) } },
      ],
    },
    select: { id: true, kind: true },
    orderBy: { createdAt: "asc" },
    take: 1_000,
  });
  let queued = 0;
  for (const { id, kind } of stale) if ((await requeue("email.send", { emailId: id }, isReceipt(kind) ? { priority: AFTER_OTHERS } : {})) !== "pending") queued += 1;
  return queued;
}

/**
 * The kinds sent as receipts (`sendQueued(…, { receipt: true })`): an order's confirmation and the buyer's refund
 * notices (`refund`, `…_refunded`). Queued again by housekeeping, they keep their place after the other emails.
 */
export function isReceipt(kind: string) {
  return kind === "order_confirmed" || kind === "refund" || kind.endsWith("_refunded");
}

/** What to tell the user once an email of this kind has gone out. */
const deliveryNotices: Record<string, (to: string) => { title: string; body: string; href?: string }> = {
  welcome: (to) => ({ title: "Welcome to Startline!", body: `We sent a welcome email to ${to}.` }),
};

/** What a delivery attempt needs of the email it claims: the claim returns these columns. */
const CLAIMED = ["id", "userId", "kind", "to", "subject", "text", "html", "attachments", "status", "attempts", "confirmsOrderId"] as const;
type ClaimedEmail = Pick<EmailMessage, (typeof CLAIMED)[number]> & { previousStatus: EmailMessage["status"] };
const CLAIMED_COLUMNS = CLAIMED.map((column) => `e."${column}"`).join(", ");

/**
 * Takes the email for one delivery attempt and reads it in the same statement: a QUEUED (or FAILED, retried by hand)
 * email, or one whose last attempt was interrupted (its claim is older than SEND_CLAIM_MS). Null when another attempt
 * holds it, it was sent, or it does not exist. The row is locked before its status is read, so of two attempts at
 * once the second reads what the first wrote.
 */
async function claimForSending(emailId: string, now: Date) {
  // Through pg, like the rest of a confirmation's delivery (ADR 0060): a payment rush sends one per order. Prepared
  // (ADR 0112), so it names its columns: a prepared `e.*` would break when a migration adds one.
  const [claimed] = await sql<ClaimedEmail>(
    `UPDATE "EmailMessage" e SET status = 'SENDING', "sendingAt" = $2::timestamp(3), attempts = e.attempts + 1
     FROM (SELECT id, status FROM "EmailMessage" WHERE id = $1 FOR UPDATE) AS before
     WHERE e.id = before.id AND (before.status IN ('QUEUED', 'FAILED') OR (before.status = 'SENDING' AND e."sendingAt" < $3::timestamp(3)))
     RETURNING ${CLAIMED_COLUMNS}, before.status AS "previousStatus"`,
    [emailId, now.toISOString(), new Date(now.getTime() - SEND_CLAIM_MS).toISOString()],
    undefined,
    "claim-email",
  );
  return claimed ?? null;
}

/**
 * Delivers one stored email, at most twice even if workers die (docs/decisions/0030-recovery-without-restarts.md):
 * the email is claimed (SENDING) before it is handed to SMTP and marked SENT right after. An attempt that finds
 * the claim of an earlier one waits until that claim has expired, so two attempts never send at once; only an
 * attempt interrupted between the SMTP server's acceptance and the SENT mark leads to a second send, with the same
 * Message-ID (so mail clients show one message). Safe to run twice; the delivery notice is deduplicated by email id.
 * A delivery is three statements at most: the claim (which reads the email), the order's read for a confirmation,
 * and the mark (ADR 0113).
 */
export async function deliverEmail(emailId: string) {
  const now = new Date();
  const claimed = await claimForSending(emailId, now);
  if (claimed) {
    if (claimed.previousStatus === "SENDING") log.warn("sending again an email whose earlier attempt was interrupted", { emailId, attempt: claimed.attempts });
    await sendClaimed(await rendered(claimed));
    return tellDelivered(claimed);
  }
  const current = await db.emailMessage.findUnique({ where: { id: emailId }, select: { id: true, kind: true, to: true, userId: true, status: true, sendingAt: true } });
  if (!current) throw new PermanentFailure(`email ${emailId} does not exist`);
  if (current.status !== "SENT") {
    const claimEndsAt = (current.sendingAt?.getTime() ?? now.getTime()) + SEND_CLAIM_MS;
    throw new RetryLaterError(`email ${emailId} is claimed by an earlier delivery attempt; trying again once that claim has expired`, claimEndsAt - now.getTime() + 1_000);
  }
  await tellDelivered(current);
}

/** The user's notice that an email of a kind that has one went out (once per email, however often this runs). */
async function tellDelivered(email: Pick<EmailMessage, "id" | "kind" | "to" | "userId">) {
  const notice = deliveryNotices[email.kind];
  if (notice && email.userId) {
    await notify({ userId: email.userId, kind: `email.${email.kind}`, dedupeKey: `email-delivered:${email.id}`, ...notice(email.to) });
  }
}

/** What an attempt sends, and the content it rendered (to be stored with the attempt's outcome), if it rendered any. */
type Outgoing = { email: ClaimedEmail; renderedNow: boolean };

/**
 * A paid order's confirmation is recorded empty by fulfilment and rendered here from the order (ADR 0060); the attempt
 * that holds the claim stores what it rendered together with its outcome (ADR 0113), so an attempt that fails before
 * SMTP took the email renders again from the order as it then stands.
 */
async function rendered(email: ClaimedEmail): Promise<Outgoing> {
  if (!email.confirmsOrderId || email.html !== "") return { email, renderedNow: false };
  const { kind: _kind, attachments, ...content } = await orderConfirmation(email.confirmsOrderId);
  return { email: { ...email, ...content, attachments }, renderedNow: true };
}

/** The rendered content as the columns it is stored in, or nulls (kept as stored) when nothing was rendered now. */
function renderedColumns({ email, renderedNow }: Outgoing) {
  return renderedNow ? [email.subject, email.text, email.html, JSON.stringify(email.attachments)] : [null, null, null, null];
}

async function sendClaimed(outgoing: Outgoing) {
  const { email } = outgoing;
  const { transport, kind } = mailer;
  let info;
  try {
    info = await transport.sendMail({
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
  } catch (error) {
    // Not sent: give the claim back, so the retry (or housekeeping) can take it at once.
    await sql(
      `UPDATE "EmailMessage" SET status = 'QUEUED', "sendingAt" = NULL, error = $2, ${contentColumns(3)} WHERE id = $1 AND status = 'SENDING'`,
      [email.id, error instanceof Error ? error.message : String(error), ...renderedColumns(outgoing)],
    );
    throw smtpFailure(error);
  }
  await sql(
    `UPDATE "EmailMessage" SET status = 'SENT', transport = $2, "messageId" = $3, "sentAt" = now() AT TIME ZONE 'UTC', error = NULL, ${contentColumns(4)} WHERE id = $1`,
    [email.id, kind, info.messageId ?? null, ...renderedColumns(outgoing)],
    undefined,
    "mark-email-sent",
  );
}

/** The content rendered by this attempt as parameters `$first` to `$first + 3` (`renderedColumns`); nulls keep what is stored. */
function contentColumns(first: number) {
  const [subject, text, html, attachments] = [0, 1, 2, 3].map((i) => `$${first + i}`);
  return `subject = coalesce(${subject}, subject), text = coalesce(${text}, text), html = coalesce(${html}, html), attachments = coalesce(${attachments}::jsonb, attachments)`;
}

/**
 * A refusal the SMTP server says is final (5xx) stops the retries; a "try again later" (4xx, e.g. 421 or 451 under
 * load) is retried no sooner than a minute; anything else (no connection, a timeout) with the usual backoff.
 */
function smtpFailure(error: unknown) {
  const code = (error as { responseCode?: number }).responseCode;
  const message = error instanceof Error ? error.message : String(error);
  if (code !== undefined && code >= 500) return new PermanentFailure(`The mail server refused the email: ${message}`);
  if (code !== undefined && code >= 400) return new RetryLaterError(`The mail server asked to try again later: ${message}`, 60_000);
  return error instanceof Error ? error : new Error(message);
}

/** Marks an email failed after its last retry. */
export async function markEmailFailed(emailId: string, reason: string) {
  await db.emailMessage.updateMany({ where: { id: emailId, status: { in: ["QUEUED", "SENDING"] } }, data: { status: "FAILED", sendingAt: null, error: reason } });
}
