import { randomBytes } from "node:crypto";
import type { Prisma } from "@prisma/client";
import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { db, type Db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";

export type SessionContext = { ip?: string | null; userAgent?: string | null };

function newSessionId() {
  return randomBytes(32).toString("base64url");
}

/** Starts a session with a fresh id; the previous session of this browser (if any) is revoked. */
export async function startSession(userId: string, context: SessionContext, previousSessionId?: string | null, tx: Db = db) {
  const ttlMs = getEnv().SESSION_TTL_DAYS * 24 * 60 * 60 * 1000;
  if (previousSessionId) await revokeSessions({ id: previousSessionId }, tx);
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
  await revokeSessions({ id: sessionId });
}

/**
 * Deletes sessions (logout, a new login in the same browser) and tells each user's open live feeds, which
 * check again and end those of the revoked sessions within moments. Feeds also re-check on their own cadence,
 * so a session that goes any other way (expiry, a row deleted by hand) ends its feeds too, just later.
 */
export async function revokeSessions(where: Prisma.SessionWhereInput, tx: Db = db) {
  const sessions = await tx.session.findMany({ where, select: { id: true, userId: true } });
  if (sessions.length === 0) return 0;
  await tx.session.deleteMany({ where: { id: { in: sessions.map((session) => session.id) } } });
  await Promise.all([...new Set(sessions.map((session) => session.userId))].map(announceSessionsRevoked));
  return sessions.length;
}

/**
 * Ends every session of the user (password reset) inside the caller's transaction: each browser is signed
 * out on its next request. Call `announceSessionsRevoked` once it commits, so open live feeds end too.
 */
export async function revokeUserSessions(userId: string, tx: Db = db) {
  await tx.session.deleteMany({ where: { userId } });
}

/** Tells a user's open live feeds that sessions of theirs ended (after the deletion committed): they check again. */
export function announceSessionsRevoked(userId: string) {
  return publish(channels.access(userId), { type: "sessions.revoked" });
}

export async function deleteExpiredSessions(now = new Date()) {
  const { count } = await db.session.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}
