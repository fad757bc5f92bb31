import type { OrgRole } from "@prisma/client";

/** Organisation roles from most to least powerful; shared by server checks and UI. */
export const roleRank: Record<OrgRole, number> = { OWNER: 3, MANAGER: 2, CHECKIN: 1 };

export function hasRole(role: OrgRole, atLeast: OrgRole) {
  return roleRank[role] >= roleRank[atLeast];
}
