// Fields that rooms and clubs, the two kinds of group, share.
import { z } from "zod";

/** Who can find the group. */
export const groupVisibility = z.enum(["PUBLIC", "PRIVATE"], { message: "Choose public or private." });

/** The text of a chat message of at most `max` characters. */
export function chatMessageBody(max: number) {
  return z
    .string({ required_error: "Write a message first." })
    .trim()
    .min(1, "Write a message first.")
    .max(max, `Keep messages to ${max} characters.`);
}
