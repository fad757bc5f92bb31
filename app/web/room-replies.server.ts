import { data } from "@remix-run/node";
import { NotFoundError } from "~/services/errors.server";
import { RoomError } from "~/services/rooms.server";

/**
 * The reply to a room form that broke a rule: its message (and the room it points at) with the
 * rule's 4xx. A missing or hidden room is a 404 page; anything else is a bug and throws.
 */
export function roomFailure<Intent extends string>(intent: Intent, error: unknown) {
  if (error instanceof NotFoundError) throw new Response(error.message, { status: 404 });
  if (!(error instanceof RoomError)) throw error;
  return data({ intent, error: error.message, href: error.href }, { status: error.status });
}

/** Loaders: a room that does not exist, or that this viewer may not see, is a 404. */
export async function foundOr404<T>(read: Promise<T>) {
  try {
    return await read;
  } catch (error) {
    if (error instanceof NotFoundError) throw new Response(error.message, { status: 404 });
    throw error;
  }
}
