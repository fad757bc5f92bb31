import { z } from "zod";
import { chatMessageBody, groupVisibility } from "./group-fields";
import { isTimeZone } from "~/lib/time";

export const CLUB_MESSAGE_MAX = 1000;

/** The create-a-club form. */
export const createClubSchema = z.object({
  name: z.string({ required_error: "Give your club a name." }).trim().min(1, "Give your club a name.").max(60, "Keep the name to 60 characters."),
  description: z
    .string()
    .trim()
    .max(500, "Keep the description to 500 characters.")
    .optional()
    .transform((value) => value ?? ""),
  visibility: groupVisibility,
  timeZone: z.string({ required_error: "Choose the club's time zone." }).refine(isTimeZone, "Choose a valid time zone."),
});
export type CreateClubInput = z.infer<typeof createClubSchema>;

/** Joining with a code typed in. */
export const joinClubSchema = z.object({
  code: z.string({ required_error: "Enter the club's code." }).trim().min(4, "Enter the club's code.").max(20, "That is not a club code."),
});

/** A chat message, optionally a reply. */
export const clubMessageSchema = z.object({
  body: chatMessageBody(CLUB_MESSAGE_MAX),
  replyToId: z
    .string()
    .optional()
    .transform((value) => value || null),
});

/** The new-event form; `startsAt` is a wall-clock time in the club's time zone. */
export const clubEventSchema = z.object({
  title: z.string({ required_error: "Give the event a title." }).trim().min(1, "Give the event a title.").max(80, "Keep the title to 80 characters."),
  startsAt: z.string({ required_error: "Choose when it starts." }).regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "Choose when it starts."),
  place: z.string({ required_error: "Say where to meet." }).trim().min(1, "Say where to meet.").max(120, "Keep the place to 120 characters."),
  description: z
    .string()
    .trim()
    .max(1000, "Keep the description to 1000 characters.")
    .optional()
    .transform((value) => value ?? ""),
  capacity: z
    .union([z.literal("").transform(() => null), z.coerce.number({ invalid_type_error: "Enter a number of places." }).int("Enter a whole number.").min(1, "At least 1 place.").max(10_000, "At most 10,000 places.")])
    .optional()
    .transform((value) => value ?? null),
});
export type ClubEventInput = z.infer<typeof clubEventSchema>;

export const clubAnswerSchema = z.object({
  eventId: z.string().min(1, "Choose an event."),
  answer: z.enum(["GOING", "MAYBE", "NOT_GOING"], { message: "Answer going, maybe or not going." }),
});

/** An admin opens a room for a race from the club. */
export const clubRoomSchema = z.object({
  raceId: z.string({ required_error: "Choose a race." }).min(1, "Choose a race."),
  teamName: z
    .string()
    .trim()
    .max(60, "Keep the team name to 60 characters.")
    .optional()
    .transform((value) => value || null),
  maxMembers: z.coerce.number({ invalid_type_error: "Enter a number of members." }).int("Enter a whole number.").min(2, "A room needs room for at least 2 people.").max(50, "A room holds at most 50 people."),
});
