import { expect } from "vitest";
import { db } from "~/utils/db.server";
import type { ClubLive, ClubMemberView } from "~/presenters/clubs.server";
import { createUser } from "./factories";
import type { Client, SseEvent } from "./http";
import { loggedIn } from "./session";

/** A signed-up person with a logged-in client on the given web process. */
export async function person(baseUrl: string, name: string) {
  const user = await createUser({ name });
  return { user, client: await loggedIn(baseUrl, user.email) };
}

/** Creates a club through the clubs page's form; resolves with its id and code. */
export async function createClubAs(client: Client, fields: Partial<Record<string, string>> = {}) {
  const response = await client.post("/clubs", { intent: "create", name: "Harbour Harriers", description: "Tuesday intervals, Sunday long runs.", visibility: "PRIVATE", timeZone: "Europe/Dublin", ...fields });
  expect(response.status, await response.clone().text()).toBe(302);
  const clubId = response.headers.get("Location")!.replace("/clubs/", "");
  const { code } = await db.club.findUniqueOrThrow({ where: { id: clubId }, select: { code: true } });
  return { clubId, code };
}

/** Joins with the code typed in on the clubs page. */
export function joinWithCode(client: Client, code: string) {
  return client.post("/clubs", { intent: "join-code", code });
}

export function clubAction(client: Client, clubId: string, fields: Record<string, string>) {
  return client.post(`/clubs/${clubId}`, fields);
}

/** A club snapshot (for a member) that passes `test`. */
export const clubSnapshot = (test: (club: ClubMemberView) => boolean) => (e: SseEvent) => {
  if (e.event !== "snapshot") return false;
  const club = e.data as ClubLive;
  return !("gone" in club) && club.members !== null && test(club as ClubMemberView);
};

export const viewOf = (e: SseEvent) => e.data as ClubMemberView;

export const SSE = { headers: { Accept: "text/event-stream" } };
