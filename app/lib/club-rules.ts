/** Rules of clubs shared by services, pages and tests (docs/decisions/0090, 0092). */

export type ClubRole = "OWNER" | "ADMIN" | "MEMBER";
export type ClubAnswer = "GOING" | "MAYBE" | "NOT_GOING";

/** The fixed set of reactions (the database checks it too): one of each per person per message, toggled. */
export const CLUB_REACTIONS = ["👍", "❤️", "😂", "🎉", "🏃"] as const;
export type ClubReaction = (typeof CLUB_REACTIONS)[number];

export const reactionNames: Record<ClubReaction, string> = {
  "👍": "thumbs up",
  "❤️": "heart",
  "😂": "laughing",
  "🎉": "party",
  "🏃": "runner",
};

export function isClubReaction(value: string): value is ClubReaction {
  return (CLUB_REACTIONS as readonly string[]).includes(value);
}

/** Owners and admins run the club: events, rooms for races, removing members, deleting any message. */
export function isClubAdmin(role: ClubRole | null | undefined) {
  return role === "OWNER" || role === "ADMIN";
}

/** Who may remove whom: the owner anyone but themselves, an admin plain members only. */
export function mayRemove(actor: ClubRole, target: ClubRole) {
  if (target === "OWNER") return false;
  return actor === "OWNER" || (actor === "ADMIN" && target === "MEMBER");
}

export const answerLabels: Record<ClubAnswer, string> = { GOING: "Going", MAYBE: "Maybe", NOT_GOING: "Not going" };

/** Reminders go out this long before an event starts ("the day before"). */
export const REMINDER_LEAD_MS = 24 * 60 * 60 * 1000;
