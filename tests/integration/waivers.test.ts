import { describe, expect, it } from "vitest";
import { waiverContentHash } from "~/services/waiver-hash.server";
import { saveWaiver, waiverInForce } from "~/services/waivers.server";
import { db } from "~/utils/db.server";
import { addMember, createOrganisation, createParticipant, createRace, createTicketType } from "../support/factories";
import { Client } from "../support/http";
import { useStack } from "../support/stack";
import { loggedIn } from "../support/session";

const { web } = useStack();

const TEXT_V1 = "I take part at my own risk.\nI am fit to run 10 km.";
const TEXT_V2 = "I take part at my own risk.\nI am fit to run 10 km.\nPhotos may be taken.";

/** A race owned by a new organisation, and a manager of it who is logged in. */
async function raceWithManager() {
  const { organisation } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id);
  const manager = await addMember(organisation.id, "MANAGER");
  return { organisation, race, manager, client: await loggedIn(web.url, manager.email), path: `/organiser/races/${race.id}/waiver` };
}

function saveOverHttp(client: Client, path: string, title: string, text: string) {
  return client.post(path, { intent: "waiver", title, text });
}

const versionsOf = (raceId: string) => db.waiverVersion.findMany({ where: { raceId }, orderBy: { version: "asc" } });

describe("waiver versions", () => {
  it("creates version 1 then 2 with their own hashes, and nothing for unchanged content", async () => {
    const { race, manager, client, path } = await raceWithManager();
    expect((await client.request(path)).status).toBe(200);

    const first = await saveOverHttp(client, path, "Entry waiver", TEXT_V1);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain("Saved as version 1");
    const second = await saveOverHttp(client, path, "Entry waiver", TEXT_V2);
    expect(await second.text()).toContain("Saved as version 2");

    const unchanged = await saveOverHttp(client, path, " Entry waiver ", TEXT_V2.replaceAll("\n", "\r\n"));
    expect(unchanged.status).toBe(200);
    expect(await unchanged.text()).toContain("No changes: the content is the same as version 2, so no new version was created.");

    const versions = await versionsOf(race.id);
    expect(versions.map((v) => [v.version, v.title, v.text, v.contentHash, v.createdById])).toEqual([
      [1, "Entry waiver", TEXT_V1, waiverContentHash("Entry waiver", TEXT_V1), manager.id],
      [2, "Entry waiver", TEXT_V2, waiverContentHash("Entry waiver", TEXT_V2), manager.id],
    ]);
    expect(versions[0]!.contentHash).not.toBe(versions[1]!.contentHash);
    expect((await waiverInForce(race.id))?.version).toBe(2);

    const audit = await db.auditEntry.findMany({ where: { raceId: race.id, action: "waiver.version_created" }, orderBy: { createdAt: "asc" } });
    expect(audit.map((entry) => [entry.entityId, entry.actorId])).toEqual(versions.map((v) => [v.id, manager.id]));
    expect(audit[1]!.changes).toMatchObject({ version: 2, previousVersion: 1, contentHash: versions[1]!.contentHash });
  });

  it("keeps a signature on the version it signed after a new version is in force, and shows the history", async () => {
    const { race, client, path } = await raceWithManager();
    await saveOverHttp(client, path, "Entry waiver", TEXT_V1);
    const v1 = (await waiverInForce(race.id))!;
    const ticketType = await createTicketType(race.id);
    const { participant } = await createParticipant(race.id, ticketType.id);
    await db.waiverSignature.create({
      data: { participantId: participant.id, waiverVersionId: v1.id, signedName: "Pat Runner", contentHash: v1.contentHash },
    });

    await saveOverHttp(client, path, "Entry waiver (2027)", TEXT_V2);
    const inForce = (await waiverInForce(race.id))!;
    expect(inForce.version).toBe(2);
    const signature = await db.waiverSignature.findUniqueOrThrow({ where: { participantId: participant.id }, include: { waiverVersion: true } });
    expect(signature.waiverVersion.version).toBe(1);
    expect(signature.contentHash).toBe(v1.contentHash);

    const page = (await (await client.request(path)).text()).replaceAll("<!-- -->", "");
    expect(page).toMatch(/Version 2[\s\S]*in force[\s\S]*0 signatures[\s\S]*Version 1[\s\S]*1 signature</);
    expect(page).toContain(v1.contentHash.slice(0, 12));
    expect(page).toContain(inForce.contentHash.slice(0, 12));

    const old = await client.request(`${path}/1`);
    expect(old.status).toBe(200);
    const oldHtml = await old.text();
    expect(oldHtml).toContain("superseded");
    expect(oldHtml).toContain(v1.contentHash);
    expect(oldHtml).toContain("I am fit to run 10 km.");
    expect((await client.request(`${path}/3`)).status).toBe(404);
    expect((await client.request(`${path}/abc`)).status).toBe(404);
  });

  it("shows waiver text as plain text, never as HTML", async () => {
    const { client, path } = await raceWithManager();
    await saveOverHttp(client, path, "<b>Bold</b> title", `<script>alert("owned")</script>\n<img src=x onerror=alert(1)> line two`);
    const html = await (await client.request(`${path}/1`)).text();
    expect(html).not.toContain(`<script>alert("owned")</script>`);
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;script&gt;");
    expect(html).toContain("&lt;b&gt;Bold&lt;/b&gt; title");
  });

  it("refuses an empty waiver with errors next to the fields and writes nothing", async () => {
    const { race, client, path } = await raceWithManager();
    const response = await saveOverHttp(client, path, "", "too short");
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("Give the waiver a title");
    expect(html).toContain("Write at least 20 characters");
    expect(html).toMatch(/aria-invalid="true"/);
    expect(await db.waiverVersion.count({ where: { raceId: race.id } })).toBe(0);
  });

  it("gives concurrent saves of different content consecutive versions", async () => {
    const { race, manager } = await raceWithManager();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => saveWaiver({ raceId: race.id, actorId: manager.id, title: "Waiver", text: `${TEXT_V1}\nClause ${i}.` })),
    );
    expect(results.every((r) => r.created)).toBe(true);
    expect((await versionsOf(race.id)).map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("guardian age", () => {
  it("updates the age with an audit entry, and says when nothing changed", async () => {
    const { race, manager, client, path } = await raceWithManager();
    const response = await client.post(path, { intent: "guardian-age", guardianUnderAge: "16" });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("participants under 16 on race day need a guardian");
    expect((await db.race.findUniqueOrThrow({ where: { id: race.id } })).guardianUnderAge).toBe(16);
    const audit = await db.auditEntry.findMany({ where: { raceId: race.id, action: "race.guardian_age_updated" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: manager.id, entityId: race.id, changes: { guardianUnderAge: { from: 18, to: 16 } } });

    const again = await client.post(path, { intent: "guardian-age", guardianUnderAge: "16" });
    expect(await again.text()).toContain("Nothing changed");
    expect(await db.auditEntry.count({ where: { raceId: race.id, action: "race.guardian_age_updated" } })).toBe(1);
  });

  it("refuses an impossible age next to the field", async () => {
    const { race, client, path } = await raceWithManager();
    const response = await client.post(path, { intent: "guardian-age", guardianUnderAge: "-3" });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Enter 0 (no guardian needed) or more");
    expect((await db.race.findUniqueOrThrow({ where: { id: race.id } })).guardianUnderAge).toBe(18);
  });
});

describe("authorisation", () => {
  async function nothingWritten(raceId: string) {
    expect(await db.waiverVersion.count({ where: { raceId } })).toBe(0);
    expect(await db.auditEntry.count({ where: { raceId } })).toBe(0);
    expect((await db.race.findUniqueOrThrow({ where: { id: raceId } })).guardianUnderAge).toBe(18);
  }

  it("answers 404 to a member of another organisation and writes nothing", async () => {
    const { race, manager } = await raceWithManager();
    await saveWaiver({ raceId: race.id, actorId: manager.id, title: "Waiver", text: TEXT_V1 });
    const before = await db.auditEntry.count({ where: { raceId: race.id } });

    const { user: outsider } = await createOrganisation("OWNER");
    const client = await loggedIn(web.url, outsider.email);
    const path = `/organiser/races/${race.id}/waiver`;
    expect((await client.request(path)).status).toBe(404);
    expect((await client.request(`${path}/1`)).status).toBe(404);
    expect((await saveOverHttp(client, path, "Hijacked", TEXT_V2)).status).toBe(404);
    expect((await client.post(path, { intent: "guardian-age", guardianUnderAge: "5" })).status).toBe(404);
    expect(await db.waiverVersion.count({ where: { raceId: race.id } })).toBe(1);
    expect(await db.auditEntry.count({ where: { raceId: race.id } })).toBe(before);
    expect((await db.race.findUniqueOrThrow({ where: { id: race.id } })).guardianUnderAge).toBe(18);
  });

  it("answers 403 to check-in staff of the organisation and writes nothing", async () => {
    const { organisation, race } = await raceWithManager();
    const checkin = await addMember(organisation.id, "CHECKIN");
    const client = await loggedIn(web.url, checkin.email);
    const path = `/organiser/races/${race.id}/waiver`;
    const page = await client.request(path);
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("Only managers of this organisation can do this");
    expect((await client.request(`${path}/1`)).status).toBe(403);
    expect((await saveOverHttp(client, path, "Waiver", TEXT_V1)).status).toBe(403);
    expect((await client.post(path, { intent: "guardian-age", guardianUnderAge: "5" })).status).toBe(403);
    await nothingWritten(race.id);
  });

  it("sends a signed-out visitor to log in", async () => {
    const { race } = await raceWithManager();
    const response = await new Client(web.url).request(`/organiser/races/${race.id}/waiver`);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toContain("/login?redirectTo=");
  });
});
