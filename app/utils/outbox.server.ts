import { getEnv } from "./env.server";

/** The outbox pages exist only when emails go to the outbox (development and demo mode). */
export function requireOutbox() {
  if (!getEnv().useOutbox) throw new Response("Not found", { status: 404 });
}
