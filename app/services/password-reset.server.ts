import { createHash, randomBytes, randomUUID } from "node:crypto";
import { enqueue } from "~/jobs/queues.server";
import { db, isUniqueViolation } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { escapeHtml } from "~/lib/html";
import { hashPassword } from "~/utils/password.server";
import { recordEmail, sendQueued } from "./email.server";
import { notify } from "./notifications.server";
import * as rateLimit from "./rate-limit.server";
import { announceSessionsRevoked, revokeUserSessions } from "./sessions.server";

const RESET_LINK_MINUTES = 60;
const RESETS_PER_EMAIL_PER_HOUR = 3;
const HOUR = 3600;

/** The link no longer works: expired, used, or never issued. */
export class ResetLinkError extends Error {
  readonly status = 410;
  constructor() {
    super("This reset link has expired or was already used. Ask for a new one.");
    this.name = "ResetLinkError";
  }
}

/** Only this hash is stored, so a copy of the database cannot be used to reset anyone's password. */
function tokenHash(token: string) {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * The web side of "Forgot your password?": the limits (per IP and per address, counted before they
 * check), then one enqueue. It does the same work whether or not the address has an account, so neither
 * the answer nor its timing tells; the worker looks the address up and sends the link.
 */
export async function requestPasswordReset(email: string, ip: string) {
  const tooMany = (wait: string) => `Too many password reset requests. Wait ${wait} and try again.`;
  await rateLimit.enforce(`password-reset:ip:${ip}`, { limit: getEnv().PASSWORD_RESET_MAX_PER_IP_PER_HOUR, windowSeconds: HOUR }, tooMany);
  await rateLimit.enforce(`password-reset:email:${email}`, { limit: RESETS_PER_EMAIL_PER_HOUR, windowSeconds: HOUR }, tooMany);
  await enqueue("auth.password-reset", { email, requestKey: randomUUID() });
}

function resetEmail(name: string, link: string) {
  const intro = `Someone (hopefully you) asked to reset the password of your Startline account.`;
  const ignore = "If it was not you, ignore this email: your password stays as it is.";
  return {
    kind: "password-reset",
    subject: "Reset your Startline password",
    text: `Hi ${name},\n\n${intro} Choose a new one here within ${RESET_LINK_MINUTES} minutes (the link works once):\n${link}\n\n${ignore}`,
    html: `<p>Hi ${escapeHtml(name)},</p><p>${intro} Choose a new one within ${RESET_LINK_MINUTES} minutes (the link works once):</p><p><a href="${escapeHtml(link)}">Choose a new password</a></p><p>${ignore}</p>`,
  };
}

/**
 * Worker: issues one reset link for the request, if the address has an account. The request key makes a
 * second run of the same job a no-op (its email, if stuck, is re-queued by housekeeping).
 */
export async function issuePasswordReset({ email, requestKey }: { email: string; requestKey: string }, now = new Date()) {
  const user = await db.user.findUnique({ where: { email }, select: { id: true, name: true, email: true } });
  if (!user) return { sent: false };
  const token = randomBytes(32).toString("base64url");
  const link = `${getEnv().appOrigin}/reset-password/${token}`;
  try {
    const emailId = await db.$transaction(async (tx) => {
      await tx.passwordResetToken.create({
        data: { userId: user.id, tokenHash: tokenHash(token), requestKey, expiresAt: new Date(now.getTime() + RESET_LINK_MINUTES * 60_000) },
      });
      const { id } = await recordEmail({ userId: user.id, to: user.email, ...resetEmail(user.name, link) }, tx);
      return id;
    });
    await sendQueued(emailId);
    return { sent: true };
  } catch (error) {
    if (isUniqueViolation(error)) return { sent: false };
    throw error;
  }
}

async function usableReset(token: string, now: Date) {
  return db.passwordResetToken.findFirst({
    where: { tokenHash: tokenHash(token), usedAt: null, expiresAt: { gt: now } },
    select: { id: true, user: { select: { id: true, email: true } } },
  });
}

/** The account a reset link is for while it still works, else null. */
export async function findPasswordReset(token: string, now = new Date()) {
  const reset = await usableReset(token, now);
  return reset ? { email: reset.user.email } : null;
}

/**
 * Sets the new password and uses up the link, once even when submitted twice at the same moment. Every
 * session of the account ends (whoever knew the old password is signed out everywhere) and every other
 * reset link stops working; the caller then signs this browser in afresh. Following the emailed link
 * proves the address, so it counts as verified too.
 */
export async function resetPassword(token: string, password: string, now = new Date()) {
  // Checked before hashing, so a stream of made-up links costs no hash.
  const reset = await usableReset(token, now);
  if (!reset) throw new ResetLinkError();
  const passwordHash = await hashPassword(password);
  const user = reset.user;
  await db.$transaction(async (tx) => {
    const { count } = await tx.passwordResetToken.updateMany({ where: { id: reset.id, usedAt: null }, data: { usedAt: now } });
    if (count === 0) throw new ResetLinkError();
    await tx.passwordResetToken.updateMany({ where: { userId: user.id, usedAt: null }, data: { usedAt: now } });
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    await tx.user.updateMany({ where: { id: user.id, emailVerifiedAt: null }, data: { emailVerifiedAt: now } });
    await revokeUserSessions(user.id, tx);
  });
  // Now that the sessions are gone for everyone: their open live feeds end.
  await announceSessionsRevoked(user.id);
  await rateLimit.reset(`login:account:${user.email}`);
  await notify({
    userId: user.id,
    kind: "password.changed",
    title: "Password changed",
    body: "Your new password is in use. Every other device was signed out.",
    dedupeKey: `password-changed:${reset.id}`,
  });
  return { userId: user.id };
}
