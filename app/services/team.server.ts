import { createHash, randomBytes } from "node:crypto";
import { escapeHtml } from "~/lib/html";
import type { OrgRole } from "@prisma/client";
import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { recordAudit } from "./audit.server";
import { recordEmail, sendQueued } from "./email.server";

const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;
const roleNames: Record<OrgRole, string> = { OWNER: "owner", MANAGER: "manager", CHECKIN: "check-in staff" };

export class TeamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TeamError";
  }
}

function hashToken(token: string) {
  return createHash("sha256").update(token).digest("hex");
}

/** Invites someone by email; inviting the same address again replaces the earlier link. */
export async function inviteStaff(organisationId: string, actorId: string, email: string, role: OrgRole) {
  const token = randomBytes(24).toString("base64url");
  const { emailId } = await db.$transaction(async (tx) => {
    const existing = await tx.organisationMember.findFirst({ where: { organisationId, user: { email } }, select: { id: true } });
    if (existing) throw new TeamError(`${email} is already in this organisation.`);
    const organisation = await tx.organisation.findUniqueOrThrow({ where: { id: organisationId }, select: { name: true } });
    const inviter = await tx.user.findUniqueOrThrow({ where: { id: actorId }, select: { name: true } });
    const invite = await tx.organisationInvite.upsert({
      where: { organisationId_email: { organisationId, email } },
      create: { organisationId, email, role, tokenHash: hashToken(token), invitedById: actorId, expiresAt: new Date(Date.now() + INVITE_TTL_MS) },
      update: { role, tokenHash: hashToken(token), invitedById: actorId, expiresAt: new Date(Date.now() + INVITE_TTL_MS), acceptedAt: null },
      select: { id: true },
    });
    await recordAudit(tx, { organisationId, actorId, action: "team.invited", entityType: "invite", entityId: invite.id, changes: { email, role } });
    const link = `${getEnv().appOrigin}/invites/${token}`;
    const { id } = await recordEmail(
      {
        kind: "organisation_invite",
        to: email,
        subject: `${inviter.name} invited you to ${organisation.name} on Startline`,
        text: `${inviter.name} invited you to join ${organisation.name} on Startline as ${roleNames[role]}.\n\nAccept: ${link}\n\nThe link works for 7 days.`,
        html: `<p>${escapeHtml(inviter.name)} invited you to join <strong>${escapeHtml(organisation.name)}</strong> on Startline as ${roleNames[role]}.</p><p><a href="${link}">Accept the invitation</a></p><p>The link works for 7 days.</p>`,
      },
      tx,
    );
    return { emailId: id };
  });
  await sendQueued(emailId);
  return { token };
}


export async function findInvite(token: string) {
  return db.organisationInvite.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { id: true, email: true, role: true, expiresAt: true, acceptedAt: true, organisation: { select: { id: true, name: true } } },
  });
}

/** Joins the signed-in user to the organisation; the invite must be theirs, unused and unexpired. */
export async function acceptInvite(token: string, user: { id: string; email: string }) {
  return db.$transaction(async (tx) => {
    const invite = await tx.organisationInvite.findUnique({ where: { tokenHash: hashToken(token) } });
    if (!invite || invite.acceptedAt) throw new TeamError("This invitation has already been used or was replaced by a newer one.");
    if (invite.expiresAt < new Date()) throw new TeamError("This invitation has expired. Ask for a new one.");
    if (invite.email !== user.email) throw new TeamError(`This invitation is for ${invite.email}. Log in with that address to accept it.`);
    await tx.organisationMember.upsert({
      where: { organisationId_userId: { organisationId: invite.organisationId, userId: user.id } },
      create: { organisationId: invite.organisationId, userId: user.id, role: invite.role },
      update: {},
    });
    await tx.user.updateMany({ where: { id: user.id, role: "BUYER" }, data: { role: "ORGANISER" } });
    await tx.organisationInvite.update({ where: { id: invite.id }, data: { acceptedAt: new Date() } });
    await recordAudit(tx, { organisationId: invite.organisationId, actorId: user.id, action: "team.joined", entityType: "member", entityId: user.id, changes: { role: invite.role } });
    return invite.organisationId;
  });
}

export function teamOf(organisationId: string) {
  return Promise.all([
    db.organisationMember.findMany({
      where: { organisationId },
      orderBy: { createdAt: "asc" },
      select: { id: true, role: true, createdAt: true, user: { select: { id: true, name: true, email: true } } },
    }),
    db.organisationInvite.findMany({
      where: { organisationId, acceptedAt: null },
      orderBy: { createdAt: "desc" },
      select: { id: true, email: true, role: true, expiresAt: true },
    }),
  ]);
}

async function assertAnotherOwner(tx: Parameters<Parameters<typeof db.$transaction>[0]>[0], organisationId: string, memberId: string) {
  const owners = await tx.organisationMember.count({ where: { organisationId, role: "OWNER", id: { not: memberId } } });
  if (owners === 0) throw new TeamError("An organisation needs at least one owner. Make someone else owner first.");
}

/** After a commit: the member's open organiser feeds check again whether their role still lets them listen. */
function announceMembershipChange(userId: string, organisationId: string) {
  return publish(channels.access(userId), { type: "membership.changed", organisationId });
}

export async function changeMemberRole(organisationId: string, actorId: string, memberId: string, role: OrgRole) {
  const userId = await db.$transaction(async (tx) => {
    const member = await tx.organisationMember.findFirst({ where: { id: memberId, organisationId } });
    if (!member) throw new TeamError("That person is not in this organisation.");
    if (member.role === "OWNER" && role !== "OWNER") await assertAnotherOwner(tx, organisationId, memberId);
    await tx.organisationMember.update({ where: { id: memberId }, data: { role } });
    await recordAudit(tx, { organisationId, actorId, action: "team.role_changed", entityType: "member", entityId: member.userId, changes: { role: { from: member.role, to: role } } });
    return member.userId;
  });
  await announceMembershipChange(userId, organisationId);
}

export async function removeMember(organisationId: string, actorId: string, memberId: string) {
  const userId = await db.$transaction(async (tx) => {
    const member = await tx.organisationMember.findFirst({ where: { id: memberId, organisationId } });
    if (!member) throw new TeamError("That person is not in this organisation.");
    if (member.role === "OWNER") await assertAnotherOwner(tx, organisationId, memberId);
    await tx.organisationMember.delete({ where: { id: memberId } });
    await recordAudit(tx, { organisationId, actorId, action: "team.removed", entityType: "member", entityId: member.userId, changes: { role: member.role } });
    return member.userId;
  });
  await announceMembershipChange(userId, organisationId);
}

export async function revokeInvite(organisationId: string, actorId: string, inviteId: string) {
  await db.$transaction(async (tx) => {
    const { count } = await tx.organisationInvite.deleteMany({ where: { id: inviteId, organisationId, acceptedAt: null } });
    if (count) await recordAudit(tx, { organisationId, actorId, action: "team.invite_revoked", entityType: "invite", entityId: inviteId });
  });
}
