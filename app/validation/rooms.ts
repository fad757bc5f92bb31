import { z } from "zod";
import { chatMessageBody, groupVisibility } from "./group-fields";

export const ROOM_MESSAGE_MAX = 500;

/** The create-a-room form. */
export const createRoomSchema = z.object({
  name: z.string({ required_error: "Give your room a name." }).trim().min(1, "Give your room a name.").max(60, "Keep the name to 60 characters."),
  teamName: z
    .string()
    .trim()
    .max(60, "Keep the team name to 60 characters.")
    .optional()
    .transform((value) => value || null),
  maxMembers: z.coerce
    .number({ invalid_type_error: "Enter a number of members." })
    .int("Enter a whole number.")
    .min(2, "A room needs room for at least 2 people.")
    .max(50, "A room holds at most 50 people."),
  visibility: groupVisibility,
});

export type CreateRoomInput = z.infer<typeof createRoomSchema>;

/** A chat message. */
export const roomMessageSchema = z.object({
  body: chatMessageBody(ROOM_MESSAGE_MAX),
});
