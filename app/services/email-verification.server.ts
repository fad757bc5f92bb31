import { createHmac, timingSafeEqual } from "node:crypto";
import { db, type Db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { escapeHtml } from "~/lib/html";
import { recordEmail, sendQueued } from "./email.server";
import * as rateLimit from "./rate-limit.server";

/** How long an emailed verification link works. */
export const VERIFICATION_LINK_HOURS = 48;
const RESENDS_PER_HOUR = 3;

const VERIFY_EMAIL_PATH = "/verify-email";

function unverifiedMessage(action: string) {
  return `Verify your email address before you ${action}: open the link we emailed you, or send a new one.`;
}

/** Refused because the actor has not verified their email address yet (organiser actions need it). */
export class EmailNotVerifiedError extends Error {
  readonly status = 403;
  constructor(action: string) {
    super(unverifiedMessage(action));
    this.name = "EmailNotVerifiedError";
  }
}

/**
 * The link is `userId.expiry.signature`, signed with SESSION_SECRET over the address it was sent to: no
 * table to keep, it expires by itself, and it stops working if the account's address changes.
 */
function signature(userId: string, email: string, expiresAt: number) {
  return createHmac("sha256", getEnv().sessionSecret).update(`email-verification\n${userId}\n${email}\n${expiresAt}`).digest("base64url");
}

export function verificationLink(user: { id: string; email: string }, now = new Date()) {
  const expiresAt = Math.floor(now.getTime() / 1000) + VERIFICATION_LINK_HOURS * 3600;
  return `${getEnv().appOrigin}${VERIFY_EMAIL_PATH}/${user.id}.${expiresAt}.${signature(user.id, user.email, expiresAt)}`;
}

export type VerificationLink =
  | { status: "valid"; userId: string; email: string; verified: boolean }
  | { status: "expired" | "invalid" };

/** What a verification link is worth, without changing anything. */
export async function readVerificationLink(token: string, now = new Date()): Promise<VerificationLink> {
  const [userId = "", expiry = "", given = ""] = token.split(".");
  const expiresAt = Number(expiry);
  if (!userId || !/^\d+$/.test(expiry) || !given) return { status: "invalid" };
  const user = await db.user.findUnique({ where: { id: userId }, select: { email: true, emailVerifiedAt: true } });
  if (!user) return { status: "invalid" };
  const expected = Buffer.from(signature(userId, user.email, expiresAt));
  const received = Buffer.from(given);
  if (expected.length !== received.length || !timingSafeEqual(expected, received)) return { status: "invalid" };
  if (expiresAt * 1000 <= now.getTime()) return { status: "expired" };
  return { status: "valid", userId, email: user.email, verified: Boolean(user.emailVerifiedAt) };
}

/** Marks the address verified when the link is genuine and unexpired; using it again changes nothing. */
export async function verifyEmail(token: string, now = new Date()): Promise<VerificationLink> {
  const link = await readVerificationLink(token, now);
  if (link.status !== "valid") return link;
  await db.user.updateMany({ where: { id: link.userId, emailVerifiedAt: null }, data: { emailVerifiedAt: now } });
  return { ...link, verified: true };
}

export function verificationParagraph(link: string) {
  const hours = VERIFICATION_LINK_HOURS;
  return {
    text: `Please confirm this is your email address by opening this link (it works for ${hours} hours):\n${link}`,
    html: `<p>Please confirm this is your email address (the link works for ${hours} hours):<br><a href="${escapeHtml(link)}">Verify my email address</a></p>`,
  };
}

/**
 * Emails a fresh verification link (a few per hour at most). A verified address gets none: there is
 * nothing to confirm.
 */
export async function resendVerification(userId: string) {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { id: true, email: true, name: true, emailVerifiedAt: true } });
  if (user.emailVerifiedAt) return { sent: false as const, email: user.email };
  await rateLimit.enforce(
    `verify-email:${userId}`,
    { limit: RESENDS_PER_HOUR, windowSeconds: 3600 },
    (wait) => `We already sent several links. Wait ${wait}, and check your spam folder in the meantime.`,
  );
  const paragraph = verificationParagraph(verificationLink(user));
  const { id } = await recordEmail({
    userId,
    kind: "verify-email",
    to: user.email,
    subject: "Verify your email address for Startline",
    text: `Hi ${user.name},\n\n${paragraph.text}\n\nIf you did not ask for this, you can ignore this email.`,
    html: `<p>Hi ${escapeHtml(user.name)},</p>${paragraph.html}<p>If you did not ask for this, you can ignore this email.</p>`,
  });
  await sendQueued(id);
  return { sent: true as const, email: user.email };
}

/** Why the user cannot do `action` yet (an unverified address), or null. */
export async function emailVerificationBlocker(userId: string, action: string, tx: Db = db) {
  const user = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { emailVerifiedAt: true } });
  return user.emailVerifiedAt ? null : unverifiedMessage(action);
}

/** Throws EmailNotVerifiedError unless the user has verified their address. */
export async function requireVerifiedEmail(userId: string, action: string) {
  if (await emailVerificationBlocker(userId, action)) throw new EmailNotVerifiedError(action);
}
