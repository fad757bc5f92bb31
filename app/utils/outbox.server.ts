import { getEnv } from "./env.server";

/** The outbox pages exist only in demo mode without SMTP (ADR 0008): they show every email to anyone. */
export function requireOutbox() {
  if (!getEnv().outboxPages) throw new Response("Not found", { status: 404 });
}
