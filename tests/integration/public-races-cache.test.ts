import { describe, expect, it } from "vitest";
import { announcePublicRacesChanged } from "~/services/public-races-cache.server";
import { db } from "~/utils/db.server";
import { createOrganisation, createRace } from "../support/factories";
import { Client } from "../support/http";
import { loggedIn } from "../support/session";
import { useStack } from "../support/stack";

// Two web processes on one database and one Redis, as in a scale-out (ADR 0111).
const { web: webA } = useStack();
const { web: webB } = useStack();

const raceFields = { location: "East Pier", timeZone: "Europe/Dublin", startsAt: "2031-06-14T09:30", currency: "EUR", holdMinutes: "30", description: "", faq: "" };

async function pageText(base: string, path: string) {
  const response = await new Client(base).request(path);
  expect(response.status).toBe(200);
  return (await response.text()).replaceAll("<!-- -->", "");
}

/** Polls a page until it contains the text (a change reaches another process through Redis). */
async function eventually(base: string, path: string, text: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const html = await pageText(base, path);
    if (html.includes(text)) return html;
    if (Date.now() > deadline) throw new Error(`${path} on ${base} never showed "${text}"`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("public race pages and lists are cached until a change is announced", () => {
  it("serves a cached race page, shows an organiser's edit at once on the process that saved it and soon on the other", async () => {
    const { organisation, user } = await createOrganisation("OWNER");
    const race = await createRace(organisation.id, { name: "Pier Dash", status: "PUBLISHED" });
    const path = `/races/${race.slug}`;
    for (const web of [webA, webB]) for (let i = 0; i < 2; i++) expect(await pageText(web.url, path)).toContain("Pier Dash");

    // A write that announces nothing is not seen: both processes serve their copy.
    await db.race.update({ where: { id: race.id }, data: { name: "Pier Dash (unannounced)" } });
    expect(await pageText(webA.url, path)).not.toContain("unannounced");
    expect(await pageText(webB.url, path)).not.toContain("unannounced");

    // The organiser's edit through process A: A shows it on the next load, B once the message arrives.
    const owner = await loggedIn(webA.url, user.email);
    const saved = await owner.post(`/organiser/races/${race.id}/edit`, { ...raceFields, name: "Pier Dash 2031" });
    expect(saved.status).toBe(302);
    expect(await pageText(webA.url, path)).toContain("Pier Dash 2031");
    await eventually(webB.url, path, "Pier Dash 2031");
  });

  it("lists a newly published race on every process, and drops a closed one", async () => {
    const { organisation, user } = await createOrganisation("OWNER");
    const race = await createRace(organisation.id, { name: "Cache Canal Run", startsAt: new Date(Date.now() + 3_600_000) });
    await db.ticketType.create({ data: { raceId: race.id, name: "5K", priceMinor: 0, capacity: 10 } });
    await db.waiverVersion.create({ data: { raceId: race.id, version: 1, title: "Waiver", text: "I accept the risks.", contentHash: "abc" } });
    // Both processes hold a list without it.
    expect(await pageText(webA.url, "/races")).not.toContain("Cache Canal Run");
    expect(await pageText(webB.url, "/races")).not.toContain("Cache Canal Run");

    const owner = await loggedIn(webA.url, user.email);
    expect((await owner.post(`/organiser/races/${race.id}?index`, { intent: "publish" })).status).toBe(200);
    expect(await pageText(webA.url, "/races")).toContain("Cache Canal Run");
    await eventually(webB.url, "/races", "Cache Canal Run");

    expect((await owner.post(`/organiser/races/${race.id}?index`, { intent: "close" })).status).toBe(200);
    expect(await pageText(webA.url, "/races")).not.toContain("Cache Canal Run");
    const deadline = Date.now() + 5_000;
    while ((await pageText(webB.url, "/races")).includes("Cache Canal Run")) {
      if (Date.now() > deadline) throw new Error("process B still lists the closed race");
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it("a change announced from outside the web processes (a script, another service) reaches both", async () => {
    const { organisation } = await createOrganisation("OWNER");
    const race = await createRace(organisation.id, { name: "Quay Mile", status: "PUBLISHED" });
    const path = `/races/${race.slug}`;
    expect(await pageText(webA.url, path)).toContain("Quay Mile");
    expect(await pageText(webB.url, path)).toContain("Quay Mile");
    await db.race.update({ where: { id: race.id }, data: { location: "South Quay" } });
    await announcePublicRacesChanged();
    await eventually(webA.url, path, "South Quay");
    await eventually(webB.url, path, "South Quay");
  });
});
