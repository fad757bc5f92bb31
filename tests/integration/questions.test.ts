import type { User } from "@prisma/client";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "~/utils/db.server";
import { addMember, createOrganisation, createRace } from "../support/factories";
import type { Client } from "../support/http";
import { useStack } from "../support/stack";
import { loggedIn } from "../support/session";

const { web } = useStack();
let manager: { user: User; client: Client; organisationId: string };

beforeAll(async () => {
  const { organisation, user } = await createOrganisation("MANAGER");
  manager = { user, client: await loggedIn(web.url, user.email), organisationId: organisation.id };
});

const questionsPath = (raceId: string) => `/organiser/races/${raceId}/questions`;
const editPath = (raceId: string, questionId: string) => `${questionsPath(raceId)}/${questionId}`;

/** A form post with repeated names, as a group of ticked checkboxes sends it. */
function postEntries(client: Client, path: string, entries: [string, string][]) {
  return client.request(path, {
    method: "POST",
    body: new URLSearchParams(entries),
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: new URL(client.baseUrl).origin, "Sec-Fetch-Site": "same-origin" },
  });
}

function html(text: string) {
  return text.replaceAll("&#x27;", "'").replaceAll("&quot;", '"').replaceAll("<!-- -->", "");
}

async function questionsOf(raceId: string) {
  return db.raceQuestion.findMany({
    where: { raceId },
    orderBy: { sortOrder: "asc" },
    select: { label: true, kind: true, options: true, required: true, sortOrder: true, archivedAt: true },
  });
}

async function addQuestions(raceId: string) {
  const forms = [
    { label: "Club membership number", kind: "TEXT", options: "", required: "" },
    { label: "Start wave", kind: "CHOICE", options: "Elite\nOpen\nFun run", required: "on" },
    { label: "I have read the race rules", kind: "CHECKBOX", options: "", required: "on" },
  ];
  for (const form of forms) {
    const response = await manager.client.post(questionsPath(raceId), { intent: "create", ...form });
    expect(response.status).toBe(302);
  }
  return db.raceQuestion.findMany({ where: { raceId }, orderBy: { sortOrder: "asc" } });
}

describe("standard fields", () => {
  it("saves which standard fields are asked, and audits the change", async () => {
    const race = await createRace(manager.organisationId);
    const response = await postEntries(manager.client, questionsPath(race.id), [
      ["intent", "standard-fields"],
      ["standardFields", "TSHIRT_SIZE"],
      ["standardFields", "DATE_OF_BIRTH"],
      ["standardFields", "CLUB"],
    ]);
    expect(response.status).toBe(302);
    expect((await db.race.findUniqueOrThrow({ where: { id: race.id } })).standardFields).toEqual(["DATE_OF_BIRTH", "CLUB", "TSHIRT_SIZE"]);
    const audit = await db.auditEntry.findFirstOrThrow({ where: { raceId: race.id, action: "race.questions_updated" } });
    expect(audit.changes).toEqual({ standardFields: { from: ["DATE_OF_BIRTH", "EMERGENCY_CONTACT"], to: ["DATE_OF_BIRTH", "CLUB", "TSHIRT_SIZE"] } });

    const none = await manager.client.post(questionsPath(race.id), { intent: "standard-fields" });
    expect(none.status).toBe(302);
    expect((await db.race.findUniqueOrThrow({ where: { id: race.id } })).standardFields).toEqual([]);
  });

  it("shows the chosen fields ticked", async () => {
    const race = await createRace(manager.organisationId, { standardFields: ["GENDER"] });
    const page = await (await manager.client.request(questionsPath(race.id))).text();
    const checkbox = (field: string) => new RegExp(`<input[^>]*id="standard-${field}"[^>]*>`).exec(page)?.[0];
    expect(checkbox("GENDER")).toMatch(/ checked=""/);
    expect(checkbox("CLUB")).toBeDefined();
    expect(checkbox("CLUB")).not.toMatch(/ checked/);
  });

  it("refuses an unknown field with 400 and changes nothing", async () => {
    const race = await createRace(manager.organisationId);
    const response = await postEntries(manager.client, questionsPath(race.id), [
      ["intent", "standard-fields"],
      ["standardFields", "SHOE_SIZE"],
    ]);
    expect(response.status).toBe(400);
    expect(html(await response.text())).toContain("Choose only from the listed fields");
    expect((await db.race.findUniqueOrThrow({ where: { id: race.id } })).standardFields).toEqual(["DATE_OF_BIRTH", "EMERGENCY_CONTACT"]);
  });
});

describe("custom questions", () => {
  it("adds text, choice and checkbox questions in order, each audited", async () => {
    const race = await createRace(manager.organisationId);
    await addQuestions(race.id);
    expect(await questionsOf(race.id)).toEqual([
      { label: "Club membership number", kind: "TEXT", options: [], required: false, sortOrder: 0, archivedAt: null },
      { label: "Start wave", kind: "CHOICE", options: ["Elite", "Open", "Fun run"], required: true, sortOrder: 1, archivedAt: null },
      { label: "I have read the race rules", kind: "CHECKBOX", options: [], required: true, sortOrder: 2, archivedAt: null },
    ]);
    const audit = await db.auditEntry.findMany({ where: { raceId: race.id }, orderBy: { createdAt: "asc" } });
    expect(audit.map((entry) => [entry.action, entry.actorId])).toEqual([
      ["question.created", manager.user.id],
      ["question.created", manager.user.id],
      ["question.created", manager.user.id],
    ]);
    const page = html(await (await manager.client.request(questionsPath(race.id))).text());
    expect(page).toContain("Options: Elite, Open, Fun run");
    expect(page.indexOf("Club membership number")).toBeLessThan(page.indexOf("Start wave"));
  });

  it("explains a choice without options and a missing label, and writes nothing", async () => {
    const race = await createRace(manager.organisationId);
    const response = await manager.client.post(questionsPath(race.id), { intent: "create", label: "", kind: "CHOICE", options: "Only one" });
    expect(response.status).toBe(400);
    const page = html(await response.text());
    expect(page).toContain("Enter the question, like “Which wave do you want to start in?”");
    expect(page).toContain("List at least two options, one per line");
    expect(await db.raceQuestion.count({ where: { raceId: race.id } })).toBe(0);
    expect(await db.auditEntry.count({ where: { raceId: race.id } })).toBe(0);
  });

  it("edits a question and audits what changed", async () => {
    const race = await createRace(manager.organisationId);
    const [, wave] = await addQuestions(race.id);
    const form = await manager.client.request(editPath(race.id, wave!.id));
    expect(form.status).toBe(200);
    expect(await form.text()).toContain("Elite\nOpen\nFun run");

    const response = await manager.client.post(editPath(race.id, wave!.id), { label: "Start wave", kind: "CHOICE", options: "Elite\nOpen", required: "" });
    expect(response.status).toBe(302);
    expect(await db.raceQuestion.findUniqueOrThrow({ where: { id: wave!.id } })).toMatchObject({ options: ["Elite", "Open"], required: false });
    const audit = await db.auditEntry.findFirstOrThrow({ where: { raceId: race.id, action: "question.updated" } });
    expect(audit).toMatchObject({ entityId: wave!.id, changes: { options: { from: ["Elite", "Open", "Fun run"], to: ["Elite", "Open"] }, required: { from: true, to: false } } });

    const bad = await manager.client.post(editPath(race.id, wave!.id), { label: "Start wave", kind: "CHOICE", options: "" });
    expect(bad.status).toBe(400);
    expect(html(await bad.text())).toContain("List at least two options, one per line");
  });

  it("reorders questions with move up / move down", async () => {
    const race = await createRace(manager.organisationId);
    const [, , rules] = await addQuestions(race.id);
    expect((await manager.client.post(questionsPath(race.id), { intent: "move", questionId: rules!.id, direction: "up" })).status).toBe(302);
    expect((await manager.client.post(questionsPath(race.id), { intent: "move", questionId: rules!.id, direction: "up" })).status).toBe(302);
    expect((await questionsOf(race.id)).map((question) => question.label)).toEqual(["I have read the race rules", "Club membership number", "Start wave"]);
    // Already first: nothing to do.
    expect((await manager.client.post(questionsPath(race.id), { intent: "move", questionId: rules!.id, direction: "up" })).status).toBe(302);
    const moves = await db.auditEntry.findMany({ where: { raceId: race.id, action: "race.questions_updated" }, orderBy: { createdAt: "asc" } });
    expect(moves).toHaveLength(2);
    expect(moves[1]!.changes).toEqual({
      questionOrder: {
        from: ["Club membership number", "I have read the race rules", "Start wave"],
        to: ["I have read the race rules", "Club membership number", "Start wave"],
      },
    });
  });

  it("archives a question so it is no longer asked, and can ask it again", async () => {
    const race = await createRace(manager.organisationId);
    const [club] = await addQuestions(race.id);
    expect((await manager.client.post(questionsPath(race.id), { intent: "archive", questionId: club!.id })).status).toBe(302);
    expect((await db.raceQuestion.findUniqueOrThrow({ where: { id: club!.id } })).archivedAt).toBeInstanceOf(Date);
    const page = html(await (await manager.client.request(questionsPath(race.id))).text());
    expect(page).toMatch(/Archived questions<\/h2>[\s\S]*Club membership number/);

    expect((await manager.client.post(questionsPath(race.id), { intent: "restore", questionId: club!.id })).status).toBe(302);
    expect((await db.raceQuestion.findUniqueOrThrow({ where: { id: club!.id } })).archivedAt).toBeNull();
    const actions = (await db.auditEntry.findMany({ where: { raceId: race.id, entityId: club!.id }, orderBy: { createdAt: "asc" } })).map((entry) => entry.action);
    expect(actions).toEqual(["question.created", "question.archived", "question.restored"]);
  });
});

describe("authorisation", () => {
  it("shows nothing to a member of another organisation and lets them change nothing (404)", async () => {
    const race = await createRace(manager.organisationId);
    const [club] = await addQuestions(race.id);
    const before = { race: await db.race.findUniqueOrThrow({ where: { id: race.id }, select: { standardFields: true } }), questions: await questionsOf(race.id) };
    const auditBefore = await db.auditEntry.count({ where: { raceId: race.id } });
    const outsider = await createOrganisation("OWNER");
    const client = await loggedIn(web.url, outsider.user.email);

    expect((await client.request(questionsPath(race.id))).status).toBe(404);
    expect((await client.request(editPath(race.id, club!.id))).status).toBe(404);
    expect((await client.post(questionsPath(race.id), { intent: "create", label: "Sneaky", kind: "TEXT" })).status).toBe(404);
    expect((await client.post(questionsPath(race.id), { intent: "standard-fields", standardFields: "CLUB" })).status).toBe(404);
    expect((await client.post(questionsPath(race.id), { intent: "archive", questionId: club!.id })).status).toBe(404);
    expect((await client.post(questionsPath(race.id), { intent: "move", questionId: club!.id, direction: "down" })).status).toBe(404);
    expect((await client.post(editPath(race.id, club!.id), { label: "Changed", kind: "TEXT" })).status).toBe(404);

    expect({ race: await db.race.findUniqueOrThrow({ where: { id: race.id }, select: { standardFields: true } }), questions: await questionsOf(race.id) }).toEqual(before);
    expect(await db.auditEntry.count({ where: { raceId: race.id } })).toBe(auditBefore);
  });

  it("does not let a manager reach another race's question through their own race's URL", async () => {
    const race = await createRace(manager.organisationId);
    const foreign = await createOrganisation("OWNER");
    const foreignRace = await createRace(foreign.organisation.id);
    const theirs = await db.raceQuestion.create({ data: { raceId: foreignRace.id, label: "Theirs", kind: "TEXT" } });

    expect((await manager.client.request(editPath(race.id, theirs.id))).status).toBe(404);
    expect((await manager.client.post(editPath(race.id, theirs.id), { label: "Mine now", kind: "TEXT" })).status).toBe(404);
    expect((await manager.client.post(questionsPath(race.id), { intent: "archive", questionId: theirs.id })).status).toBe(404);
    expect((await manager.client.post(questionsPath(race.id), { intent: "move", questionId: theirs.id, direction: "up" })).status).toBe(404);
    expect(await db.raceQuestion.findUniqueOrThrow({ where: { id: theirs.id } })).toMatchObject({ label: "Theirs", archivedAt: null });
    expect(await db.auditEntry.count({ where: { raceId: race.id } })).toBe(0);
  });

  it("refuses check-in staff of the organisation with 403 and writes nothing", async () => {
    const race = await createRace(manager.organisationId);
    const [club] = await addQuestions(race.id);
    const auditBefore = await db.auditEntry.count({ where: { raceId: race.id } });
    const staff = await addMember(manager.organisationId, "CHECKIN");
    const client = await loggedIn(web.url, staff.email);

    const page = await client.request(questionsPath(race.id));
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("Only managers of this organisation can do this");
    expect((await client.request(editPath(race.id, club!.id))).status).toBe(403);
    expect((await client.post(questionsPath(race.id), { intent: "create", label: "Sneaky", kind: "TEXT" })).status).toBe(403);
    expect((await client.post(questionsPath(race.id), { intent: "standard-fields" })).status).toBe(403);
    expect((await client.post(questionsPath(race.id), { intent: "archive", questionId: club!.id })).status).toBe(403);
    expect((await client.post(editPath(race.id, club!.id), { label: "Changed", kind: "TEXT" })).status).toBe(403);

    expect(await db.raceQuestion.count({ where: { raceId: race.id } })).toBe(3);
    expect((await db.raceQuestion.findUniqueOrThrow({ where: { id: club!.id } })).label).toBe("Club membership number");
    expect((await db.race.findUniqueOrThrow({ where: { id: race.id } })).standardFields).toEqual(["DATE_OF_BIRTH", "EMERGENCY_CONTACT"]);
    expect(await db.auditEntry.count({ where: { raceId: race.id } })).toBe(auditBefore);
  });
});
