import type { TicketStatus } from "@prisma/client";

/** What the check-in desk shows about a participant after a scan or a search. */
export type CheckinParticipant = {
  participantId: string;
  name: string;
  bib: number | null;
  ticketTypeName: string;
  ticketStatus: TicketStatus;
  checkedInAt: Date | null;
  checkedInByName: string | null;
  waiverSigned: boolean;
  guardianName: string | null;
  /** Younger than the race's guardian age on race day; null when the date of birth is unknown. */
  minor: boolean | null;
  age: number | null;
};

export type CheckinResult =
  | { outcome: "checked_in"; participant: CheckinParticipant; checkedInCount: number }
  | { outcome: "already_checked_in"; participant: CheckinParticipant }
  | { outcome: "not_issued"; participant: CheckinParticipant };
