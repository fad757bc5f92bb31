import type { SignupInput } from "~/validation/auth";
import { escapeHtml } from "~/utils/html";
import { db, isUniqueViolation } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { decoyPasswordHash, hashPassword, verifyPassword } from "~/utils/password.server";
import { recordEmail, sendQueued } from "./email.server";
import * as rateLimit from "./rate-limit.server";

export class EmailTakenError extends Error {
  constructor() {
    super("An account with this email already exists. Log in instead.");
    this.name = "EmailTakenError";
  }
}

export class LoginError extends Error {
  constructor(
    message: string,
    readonly status: 401 | 429,
    readonly retryAfterSeconds = 0,
  ) {
    super(message);
    this.name = "LoginError";
  }
}

function welcomeEmail(name: string, email: string) {
  const appUrl = getEnv().appOrigin;
  return {
    kind: "welcome",
    to: email,
    subject: "Welcome to Startline",
    text: `Hi ${name},\n\nYour Startline account is ready. Find your next race at ${appUrl}.\n\nSee you at the start line!`,
    html: `<p>Hi ${escapeHtml(name)},</p><p>Your Startline account is ready. Find your next race at <a href="${appUrl}">${appUrl}</a>.</p><p>See you at the start line!</p>`,
  };
}


/** Creates the account and its welcome email in one transaction, then queues the email. */
export async function signUp({ name, email, password }: Pick<SignupInput, "name" | "email" | "password">) {
  const passwordHash = await hashPassword(password);
  try {
    const { user, emailId } = await db.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: { name, email, passwordHash },
        select: { id: true, email: true, name: true, role: true },
      });
      const { id: emailId } = await recordEmail({ userId: user.id, ...welcomeEmail(name, email) }, tx);
      return { user, emailId };
    });
    await sendQueued(emailId);
    return user;
  } catch (error) {
    if (isUniqueViolation(error)) throw new EmailTakenError();
    throw error;
  }
}

function minutes(seconds: number) {
  const m = Math.ceil(seconds / 60);
  return m === 1 ? "1 minute" : `${m} minutes`;
}

/**
 * Checks credentials with rate limits per account (failed attempts) and per IP (all attempts),
 * shared across web processes through Redis.
 */
export async function verifyLogin(email: string, password: string, ip: string) {
  const env = getEnv();
  const accountBucket = `login:account:${email}`;
  const ipBucket = `login:ip:${ip}`;
  const [account, address] = await Promise.all([
    rateLimit.check(accountBucket, env.LOGIN_MAX_FAILURES_PER_ACCOUNT),
    rateLimit.check(ipBucket, env.LOGIN_MAX_ATTEMPTS_PER_IP),
  ]);
  const limited = account.blocked ? account : address.blocked ? address : null;
  if (limited) {
    throw new LoginError(
      `Too many login attempts. Wait ${minutes(limited.retryAfterSeconds)} and try again, or reset your password.`,
      429,
      limited.retryAfterSeconds,
    );
  }
  await rateLimit.hit(ipBucket, env.LOGIN_WINDOW_SECONDS);
  const user = await db.user.findUnique({
    where: { email },
    select: { id: true, email: true, name: true, role: true, passwordHash: true },
  });
  const valid = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), password);
  if (!user || !valid) {
    await rateLimit.hit(accountBucket, env.LOGIN_WINDOW_SECONDS);
    throw new LoginError("That email and password do not match an account.", 401);
  }
  await rateLimit.reset(accountBucket);
  const { passwordHash: _hash, ...publicUser } = user;
  return publicUser;
}
