import type { CheckinParticipant } from "~/lib/checkin-view";
import { formatTime } from "~/lib/time";
import { Badge } from "./ui";

const notIssuedReason = {
  REFUNDED: "was refunded",
  CANCELLED: "was cancelled",
  HELD: "is not paid yet (checkout in progress)",
  ISSUED: "",
} as const;

/** "Already checked in at 09:05 by Cara Checker." in the race's time zone. */
export function alreadyCheckedInMessage(p: CheckinParticipant, timeZone: string) {
  return `Already checked in at ${formatTime(p.checkedInAt!, timeZone)} by ${p.checkedInByName}.`;
}

export function notIssuedMessage(p: CheckinParticipant) {
  return `This ticket ${notIssuedReason[p.ticketStatus]}, so ${p.name} cannot be checked in.`;
}

/** What the desk checks before letting someone start: bib, ticket type, waiver, age and guardian. */
export function ParticipantSummary({ participant: p }: { participant: CheckinParticipant }) {
  return (
    <dl className="grid grid-cols-2 gap-3 text-base">
      <div>
        <dt className="text-sm text-slate-600">Bib</dt>
        <dd className="text-2xl font-bold tabular-nums">{p.bib ?? "None"}</dd>
      </div>
      <div>
        <dt className="text-sm text-slate-600">Ticket type</dt>
        <dd className="font-semibold">{p.ticketTypeName}</dd>
      </div>
      <div>
        <dt className="text-sm text-slate-600">Waiver signed</dt>
        <dd>{p.waiverSigned ? <Badge tone="good">Yes</Badge> : <Badge tone="bad">No: ask them to sign before they start</Badge>}</dd>
      </div>
      <div>
        <dt className="text-sm text-slate-600">Age group</dt>
        <dd>
          {p.minor === null ? (
            "Date of birth not given"
          ) : p.minor ? (
            <Badge tone="warn">Minor{p.guardianName ? `, guardian ${p.guardianName}` : ", no guardian on record"}</Badge>
          ) : (
            "Adult"
          )}
        </dd>
      </div>
    </dl>
  );
}
