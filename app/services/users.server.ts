import type { SignupInput } from "~/validation/auth";
import { escapeHtml } from "~/lib/html";
import { db, isUniqueViolation } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { decoyPasswordHash, hashPassword, verifyPassword } from "~/utils/password.server";
import { recordEmail, sendQueued } from "./email.server";
import { verificationLink, verificationParagraph } from "./email-verification.server";
import * as rateLimit from "./rate-limit.server";

export class EmailTakenError extends Error {
  constructor() {
    super("An account with this email already exists. Log in instead.");
    this.name = "EmailTakenError";
  }
}

export class LoginError extends Error {
  readonly status = 401;
  constructor(message: string) {
    super(message);
    this.name = "LoginError";
  }
}

function welcomeEmail(name: string, email: string, verifyLink: string) {
  const appUrl = getEnv().appOrigin;
  const verify = verificationParagraph(verifyLink);
  return {
    kind: "welcome",
    to: email,
    subject: "Welcome to Startline",
    text: `Hi ${name},\n\nYour Startline account is ready. Find your next race at ${appUrl}.\n\n${verify.text}\n\nSee you at the start line!`,
    html: `<p>Hi ${escapeHtml(name)},</p><p>Your Startline account is ready. Find your next race at <a href="${appUrl}">${appUrl}</a>.</p>${verify.html}<p>See you at the start line!</p>`,
  };
}

const HOUR = 3600;

/**
 * Creates the account and its welcome email (with the link that verifies the address) in one
 * transaction, then queues the email. Sign-ups are limited per IP (counted before the password is
 * hashed) so one client cannot mint accounts in bulk.
 */
export async function signUp({ name, email, password }: Pick<SignupInput, "name" | "email" | "password">, ip: string) {
  await rateLimit.enforce(
    `signup:ip:${ip}`,
    { limit: getEnv().SIGNUP_MAX_PER_IP_PER_HOUR, windowSeconds: HOUR },
    (wait) => `Too many accounts were created from your network. Wait ${wait} and try again.`,
  );
  const passwordHash = await hashPassword(password);
  try {
    const { user, emailId } = await db.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: { name, email, passwordHash },
        select: { id: true, email: true, name: true, role: true },
      });
      const { id: emailId } = await recordEmail({ userId: user.id, ...welcomeEmail(name, email, verificationLink(user)) }, tx);
      return { user, emailId };
    });
    await sendQueued(emailId);
    return user;
  } catch (error) {
    if (isUniqueViolation(error)) throw new EmailTakenError();
    throw error;
  }
}

/**
 * Checks credentials with rate limits per IP (all attempts) and per account (attempts since the last
 * success), shared across web processes through Redis. Both count the attempt before deciding, and both
 * run before the password hash, so parallel guesses cannot slip past them and a refused guess costs no hash.
 */
export async function verifyLogin(email: string, password: string, ip: string) {
  const env = getEnv();
  const window = env.LOGIN_WINDOW_SECONDS;
  const accountBucket = `login:account:${email}`;
  const tooMany = (wait: string) => `Too many login attempts. Wait ${wait} and try again, or reset your password.`;
  await rateLimit.enforce(`login:ip:${ip}`, { limit: env.LOGIN_MAX_ATTEMPTS_PER_IP, windowSeconds: window }, tooMany);
  await rateLimit.enforce(accountBucket, { limit: env.LOGIN_MAX_FAILURES_PER_ACCOUNT, windowSeconds: window }, tooMany);
  const user = await db.user.findUnique({
    where: { email },
    select: { id: true, email: true, name: true, role: true, emailVerifiedAt: true, passwordHash: true },
  });
  const valid = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), password);
  if (!user || !valid) throw new LoginError("That email and password do not match an account.");
  await rateLimit.reset(accountBucket);
  const { passwordHash: _hash, ...publicUser } = user;
  return publicUser;
}
