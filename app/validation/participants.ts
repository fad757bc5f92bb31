import { z } from "zod";

export const PAGE_SIZE = 25;

/** The list's status filter: a ticket status, or whether the participant has checked in. */
export const participantStatusFilters = {
  issued: "Ticket issued",
  held: "Checkout in progress",
  refunded: "Refunded",
  cancelled: "Cancelled",
  checked_in: "Checked in",
  not_checked_in: "Not checked in",
} as const;

export type ParticipantStatusFilter = keyof typeof participantStatusFilters;

const statusKeys = Object.keys(participantStatusFilters) as [ParticipantStatusFilter, ...ParticipantStatusFilter[]];

/** Search and filters of the participants list and its CSV export; odd values mean "no filter". */
export const participantFilterSchema = z.object({
  q: z
    .string()
    .trim()
    .max(100)
    .optional()
    .catch(undefined)
    .transform((value) => value || undefined),
  ticketTypeId: z
    .string()
    .trim()
    .max(40)
    .optional()
    .catch(undefined)
    .transform((value) => value || undefined),
  status: z.enum(statusKeys).optional().catch(undefined),
});

export type ParticipantFilter = z.infer<typeof participantFilterSchema>;

export function participantFilterFrom(searchParams: URLSearchParams): ParticipantFilter {
  return participantFilterSchema.parse({
    q: searchParams.get("q") ?? undefined,
    ticketTypeId: searchParams.get("ticketTypeId") ?? undefined,
    status: searchParams.get("status") ?? undefined,
  });
}

/** The filter as query-string pairs, for page links and the export link. */
export function filterSearchParams(filter: ParticipantFilter, extra: Record<string, string> = {}) {
  const params = new URLSearchParams();
  if (filter.q) params.set("q", filter.q);
  if (filter.ticketTypeId) params.set("ticketTypeId", filter.ticketTypeId);
  if (filter.status) params.set("status", filter.status);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return params;
}

/** Optional text: blank becomes null, so clearing a field clears it in the database. */
function optionalText(max: number, label: string) {
  return z
    .string()
    .trim()
    .max(max, `${label} can be at most ${max} characters`)
    .optional()
    .transform((value) => value || null);
}

function requiredText(max: number, message: string, label: string) {
  return z.string({ required_error: message }).trim().min(1, message).max(max, `${label} can be at most ${max} characters`);
}

export const MAX_BIB = 999_999;

/** Edit a participant's details (organiser). Dates are the participant's calendar date (YYYY-MM-DD). */
export const participantEditSchema = z.object({
  firstName: requiredText(100, "Enter the first name", "First name"),
  lastName: requiredText(100, "Enter the last name", "Last name"),
  email: z
    .string({ required_error: "Enter an email address" })
    .trim()
    .toLowerCase()
    .email("Enter a valid email address, like name@example.com")
    .max(254, "That email address is too long"),
  dateOfBirth: z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (!value) return null;
      const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
      const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
      if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
        ctx.addIssue({ code: "custom", message: "Enter a date like 1990-04-21" });
        return z.NEVER;
      }
      if (date.getTime() > Date.now()) {
        ctx.addIssue({ code: "custom", message: "The date of birth cannot be in the future" });
        return z.NEVER;
      }
      if (date.getUTCFullYear() < 1900) {
        ctx.addIssue({ code: "custom", message: "Enter a date of birth after 1900" });
        return z.NEVER;
      }
      return date;
    }),
  gender: optionalText(50, "Gender"),
  emergencyName: optionalText(100, "Emergency contact name"),
  emergencyPhone: optionalText(30, "Emergency contact phone").refine(
    (value) => value === null || /^\+?[\d\s().-]{6,}$/.test(value),
    "Enter a phone number using digits, spaces and an optional leading +",
  ),
  club: optionalText(100, "Club"),
  tshirtSize: optionalText(20, "T-shirt size"),
  teamName: optionalText(100, "Team name"),
  bib: z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (!value) return null;
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_BIB) {
        ctx.addIssue({ code: "custom", message: `Enter a whole number from 1 to ${MAX_BIB}, or leave it empty` });
        return z.NEVER;
      }
      return Number(value);
    }),
});

export type ParticipantEditInput = z.infer<typeof participantEditSchema>;

/** What the check-in desk typed or scanned: a ticket's QR token or a bib number. */
export const checkinLookupSchema = z.object({
  code: z
    .string({ required_error: "Type or scan a ticket code or bib number" })
    .trim()
    .min(1, "Type or scan a ticket code or bib number")
    .max(500, "That code is too long to be a ticket code"),
});

export const checkinSchema = z.object({
  participantId: z.string({ required_error: "Choose a participant to check in" }).trim().min(1).max(40),
});
