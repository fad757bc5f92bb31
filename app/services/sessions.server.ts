import { randomBytes } from "node:crypto";
import { db, type Db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";

export type SessionContext = { ip?: string | null; userAgent?: string | null };

function newSessionId() {
  return randomBytes(32).toString("base64url");
}

/** Starts a session with a fresh id; the previous session of this browser (if any) is revoked. */
export async function startSession(userId: string, context: SessionContext, previousSessionId?: string | null, tx: Db = db) {
  const ttlMs = getEnv().SESSION_TTL_DAYS * 24 * 60 * 60 * 1000;
  if (previousSessionId) await tx.session.deleteMany({ where: { id: previousSessionId } });
  return tx.session.create({
    data: {
      id: newSessionId(),
      userId,
      expiresAt: new Date(Date.now() + ttlMs),
      ip: context.ip ?? null,
      userAgent: context.userAgent?.slice(0, 500) ?? null,
    },
    select: { id: true, expiresAt: true },
  });
}

/** The user of a live (unexpired) session, or null. */
export async function findSessionUser(sessionId: string) {
  const session = await db.session.findUnique({
    where: { id: sessionId },
    select: {
      expiresAt: true,
      user: { select: { id: true, email: true, name: true, role: true, emailVerifiedAt: true } },
    },
  });
  if (!session || session.expiresAt <= new Date()) return null;
  return session.user;
}

export async function revokeSession(sessionId: string) {
  await db.session.deleteMany({ where: { id: sessionId } });
}

/** Ends every session of the user (password reset): each browser is signed out on its next request. */
export async function revokeUserSessions(userId: string, tx: Db = db) {
  await tx.session.deleteMany({ where: { userId } });
}

export async function deleteExpiredSessions(now = new Date()) {
  const { count } = await db.session.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}
