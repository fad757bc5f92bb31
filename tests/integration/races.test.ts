import { describe, expect, it } from "vitest";
import { db } from "~/utils/db.server";
import { addMember, createOrganisation, createRace, createTicketType, createUser } from "../support/factories";
import { Client, uniqueEmail } from "../support/http";
import { useStack } from "../support/stack";
import { loggedIn } from "../support/session";

const { web } = useStack();

const raceFields = {
  name: "Harbour 10K",
  location: "East Pier",
  timeZone: "Europe/Dublin",
  startsAt: "2031-06-14T09:30",
  currency: "EUR",
  holdMinutes: "30",
  description: "A **fast** course.\n\n<script>alert('x')</script>",
  faq: "",
};

async function ownerWithRace() {
  const { organisation, user } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id);
  const client = await loggedIn(web.url, user.email);
  return { organisation, user, race, client };
}

async function addWaiver(raceId: string) {
  await db.waiverVersion.create({ data: { raceId, version: 1, title: "Waiver", text: "I accept the risks.", contentHash: "abc" } });
}

describe("organisations", () => {
  it("lets any user create an organisation and become its owner", async () => {
    const user = await createUser();
    const client = await loggedIn(web.url, user.email);
    const response = await client.post("/organiser", { name: "Harbour Harriers" });
    expect(response.status).toBe(302);
    const member = await db.organisationMember.findFirstOrThrow({ where: { userId: user.id }, include: { organisation: true } });
    expect(member.role).toBe("OWNER");
    expect(member.organisation.slug).toBe("harbour-harriers");
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).role).toBe("ORGANISER");
    expect(await db.auditEntry.count({ where: { organisationId: member.organisationId, action: "organisation.created" } })).toBe(1);
  });
});

describe("creating and editing races", () => {
  it("creates a race with times in its own time zone and records it in the audit log", async () => {
    const { organisation, user } = await createOrganisation("MANAGER");
    const client = await loggedIn(web.url, user.email);
    const response = await client.post(`/organiser/races/new?organisationId=${organisation.id}`, raceFields);
    expect(response.status).toBe(302);
    const race = await db.race.findFirstOrThrow({ where: { organisationId: organisation.id } });
    expect(response.headers.get("Location")).toBe(`/organiser/races/${race.id}`);
    expect(race.startsAt.toISOString()).toBe("2031-06-14T08:30:00.000Z");
    expect(race.slug).toMatch(/^harbour-10k/);
    expect(race.status).toBe("DRAFT");
    const audit = await client.request(`/organiser/races/${race.id}/audit`);
    expect(await audit.text()).toContain("race.created");
  });

  it("shows field errors and writes nothing for bad input", async () => {
    const { organisation, user } = await createOrganisation("OWNER");
    const client = await loggedIn(web.url, user.email);
    const response = await client.post(`/organiser/races/new?organisationId=${organisation.id}`, {
      ...raceFields,
      name: "",
      timeZone: "Mars/Olympus",
    });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("Give the race a name");
    expect(html).toContain("Choose a time zone from the list");
    const late = await client.post(`/organiser/races/new?organisationId=${organisation.id}`, { ...raceFields, registrationClosesAt: "2031-07-01T10:00" });
    expect(late.status).toBe(400);
    expect(await late.text()).toContain("Registration must close before the race starts");
    expect(await db.race.count({ where: { organisationId: organisation.id } })).toBe(0);
  });

  it("stores the tax setting as basis points and insists on a rate for fixed-rate tax", async () => {
    const { race, client } = await ownerWithRace();
    const missing = await client.post(`/organiser/races/${race.id}/edit`, { ...raceFields, taxMode: "FIXED_RATE", taxRatePercent: "0" });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("Enter the tax rate to charge");
    const saved = await client.post(`/organiser/races/${race.id}/edit`, { ...raceFields, taxMode: "FIXED_RATE", taxRatePercent: "13.5" });
    expect(saved.status).toBe(302);
    expect(await db.race.findUniqueOrThrow({ where: { id: race.id } })).toMatchObject({ taxMode: "FIXED_RATE", taxRateBps: 1350 });
    const form = await (await client.request(`/organiser/races/${race.id}/edit`)).text();
    expect(form).toContain('value="13.5"');
  });

  it("refuses a slug another race uses", async () => {
    const { race: other } = await ownerWithRace();
    const { organisation, user } = await createOrganisation("OWNER");
    const client = await loggedIn(web.url, user.email);
    const response = await client.post(`/organiser/races/new?organisationId=${organisation.id}`, { ...raceFields, slug: other.slug });
    expect(response.status).toBe(409);
    expect(await response.text()).toContain(`The address /races/${other.slug} is taken`);
  });

  it("keeps the old address working after the slug changes", async () => {
    const { race, client } = await ownerWithRace();
    await createTicketType(race.id);
    await addWaiver(race.id);
    expect((await client.post(`/organiser/races/${race.id}?index`, { intent: "publish" })).status).toBe(200);
    const edit = await client.post(`/organiser/races/${race.id}/edit`, { ...raceFields, slug: `moved-${race.slug}` });
    expect(edit.status).toBe(302);
    const old = await new Client(web.url).request(`/races/${race.slug}`);
    expect(old.status).toBe(301);
    expect(old.headers.get("Location")).toBe(`/races/moved-${race.slug}`);
    const audit = await db.auditEntry.findFirstOrThrow({ where: { raceId: race.id, action: "race.updated" } });
    expect(audit.changes).toMatchObject({ slug: { from: race.slug, to: `moved-${race.slug}` } });
  });
});

describe("publishing", () => {
  it("explains what is missing before a race can be published", async () => {
    const { race, client } = await ownerWithRace();
    const response = await client.post(`/organiser/races/${race.id}?index`, { intent: "publish" });
    expect(response.status).toBe(409);
    const html = await response.text();
    expect(html).toContain("Add at least one ticket type.");
    expect(html).toContain("Write the waiver participants will sign.");
    expect((await db.race.findUniqueOrThrow({ where: { id: race.id } })).status).toBe("DRAFT");
    expect((await new Client(web.url).request(`/races/${race.slug}`)).status).toBe(404);
  });

  it("publishes, shows the sanitised public page, then closes, reopens and cancels", async () => {
    const { race, client } = await ownerWithRace();
    await createTicketType(race.id, { name: "10K", priceMinor: 3000, capacity: 50, soldCount: 10, heldCount: 2 });
    await addWaiver(race.id);
    await db.race.update({ where: { id: race.id }, data: { description: "A **fast** course. <script>alert(1)</script>" } });
    expect((await client.post(`/organiser/races/${race.id}?index`, { intent: "publish" })).status).toBe(200);

    const page = await new Client(web.url).request(`/races/${race.slug}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<strong>fast</strong>");
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("38 places left");
    expect(html).toContain("€30.00");

    expect((await client.post(`/organiser/races/${race.id}?index`, { intent: "close" })).status).toBe(200);
    expect(await (await new Client(web.url).request(`/races/${race.slug}`)).text()).toContain("Registration is closed.");
    expect((await client.post(`/organiser/races/${race.id}?index`, { intent: "reopen" })).status).toBe(200);
    expect((await client.post(`/organiser/races/${race.id}?index`, { intent: "cancel" })).status).toBe(200);
    const again = await client.post(`/organiser/races/${race.id}?index`, { intent: "publish" });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("A cancelled race cannot be published.");
    const actions = (await db.auditEntry.findMany({ where: { raceId: race.id }, orderBy: { createdAt: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["race.published", "race.closed", "race.reopened", "race.cancelled"]);
  });

  it("lists published upcoming races publicly", async () => {
    const { race, client } = await ownerWithRace();
    await createTicketType(race.id);
    await addWaiver(race.id);
    await client.post(`/organiser/races/${race.id}?index`, { intent: "publish" });
    const list = await new Client(web.url).request("/races");
    expect(await list.text()).toContain(`/races/${race.slug}`);
  });
});

describe("cover images", () => {
  const png = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");

  it("stores an uploaded image and serves it", async () => {
    const { race, client } = await ownerWithRace();
    const form = new FormData();
    form.set("cover", new Blob([png], { type: "image/png" }), "cover.png");
    const response = await client.request(`/organiser/races/${race.id}?index`, { method: "POST", body: form, headers: { Origin: web.url } });
    expect(response.status).toBe(200);
    const { coverImageKey } = await db.race.findUniqueOrThrow({ where: { id: race.id } });
    expect(coverImageKey).toMatch(/^covers\/.+\.png$/);
    const image = await new Client(web.url).request(`/uploads/${coverImageKey}`);
    expect(image.status).toBe(200);
    expect(Buffer.from(await image.arrayBuffer()).subarray(0, 8)).toEqual(png.subarray(0, 8));
  });

  it("refuses files that are not images", async () => {
    const { race, client } = await ownerWithRace();
    const form = new FormData();
    form.set("cover", new Blob(["<svg onload=alert(1)>"], { type: "image/png" }), "evil.png");
    const response = await client.request(`/organiser/races/${race.id}?index`, { method: "POST", body: form, headers: { Origin: web.url } });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("not a JPEG, PNG or WebP image");
    expect((await db.race.findUniqueOrThrow({ where: { id: race.id } })).coverImageKey).toBeNull();
  });
});

describe("demo race", () => {
  it("fills a realistic race to try the product", async () => {
    const { organisation, user } = await createOrganisation("MANAGER");
    const client = await loggedIn(web.url, user.email);
    const response = await client.post("/organiser", { intent: "demo-race", organisationId: organisation.id });
    expect(response.status).toBe(302);
    const race = await db.race.findFirstOrThrow({
      where: { organisationId: organisation.id },
      include: { ticketTypes: true, questions: true, waivers: true, discountCodes: true, _count: { select: { participants: true } } },
    });
    expect(race.ticketTypes.map((t) => t.name)).toEqual(expect.arrayContaining(["5K", "10K", "Half marathon"]));
    expect(race.questions.length).toBeGreaterThan(0);
    expect(race.waivers).toHaveLength(1);
    expect(race.discountCodes).toHaveLength(1);
    expect(race._count.participants).toBe(24);
    const overview = await client.request(`/organiser/races/${race.id}`);
    expect(await overview.text()).toContain("24 sold of 1600 places");
  });
});

describe("team", () => {
  it("invites staff by email; the invitee accepts and gets the role", async () => {
    const { organisation, client } = await ownerWithRace();
    const email = uniqueEmail("staff");
    const invite = await client.post(`/organiser/organisations/${organisation.id}/team`, { intent: "invite", email, role: "CHECKIN" });
    expect(invite.status).toBe(200);
    const sent = await db.emailMessage.findFirstOrThrow({ where: { to: email, kind: "organisation_invite" } });
    const link = /\/invites\/[A-Za-z0-9_-]+/.exec(sent.text)![0];

    const stranger = await createUser();
    const wrong = await (await loggedIn(web.url, stranger.email)).post(link, {});
    expect(wrong.status).toBe(409);
    expect(await wrong.text()).toContain(`This invitation is for ${email}`);

    const invitee = await createUser({ email });
    const accepted = await (await loggedIn(web.url, invitee.email)).post(link, {});
    expect(accepted.status).toBe(302);
    const member = await db.organisationMember.findFirstOrThrow({ where: { organisationId: organisation.id, userId: invitee.id } });
    expect(member.role).toBe("CHECKIN");
    const reuse = await (await loggedIn(web.url, invitee.email)).post(link, {});
    expect(reuse.status).toBe(409);
  });

  it("never leaves an organisation without an owner", async () => {
    const { organisation, user, client } = await ownerWithRace();
    const me = await db.organisationMember.findFirstOrThrow({ where: { organisationId: organisation.id, userId: user.id } });
    const response = await client.post(`/organiser/organisations/${organisation.id}/team`, { intent: "change-role", id: me.id, role: "MANAGER" });
    expect(response.status).toBe(409);
    expect(await response.text()).toContain("An organisation needs at least one owner");
  });
});

describe("authorisation", () => {
  it("hides every race page and action from people outside the organisation (404) and writes nothing", async () => {
    const { race, organisation } = await ownerWithRace();
    const outsider = await loggedIn(web.url, (await createOrganisation("OWNER")).user.email);
    for (const path of [`/organiser/races/${race.id}`, `/organiser/races/${race.id}/edit`, `/organiser/races/${race.id}/audit`, `/organiser/organisations/${organisation.id}/team`, `/organiser/races/new?organisationId=${organisation.id}`]) {
      expect((await outsider.request(path)).status, path).toBe(404);
    }
    expect((await outsider.post(`/organiser/races/${race.id}?index`, { intent: "cancel" })).status).toBe(404);
    expect((await outsider.post(`/organiser/races/${race.id}/edit`, { ...raceFields, name: "Hijacked" })).status).toBe(404);
    expect((await outsider.post(`/organiser/organisations/${organisation.id}/team`, { intent: "invite", email: uniqueEmail(), role: "OWNER" })).status).toBe(404);
    expect((await outsider.post("/organiser", { intent: "demo-race", organisationId: organisation.id })).status).toBe(404);
    const after = await db.race.findUniqueOrThrow({ where: { id: race.id } });
    expect(after).toMatchObject({ status: "DRAFT", name: race.name });
    expect(await db.organisationInvite.count({ where: { organisationId: organisation.id } })).toBe(0);
  });

  it("gives check-in staff the overview only (403 elsewhere) and managers no team page", async () => {
    const { race, organisation } = await ownerWithRace();
    const checkin = await loggedIn(web.url, (await addMember(organisation.id, "CHECKIN")).email);
    expect((await checkin.request(`/organiser/races/${race.id}`)).status).toBe(200);
    expect((await checkin.request(`/organiser/races/${race.id}/edit`)).status).toBe(403);
    expect((await checkin.request(`/organiser/races/${race.id}/audit`)).status).toBe(403);
    expect((await checkin.post(`/organiser/races/${race.id}?index`, { intent: "cancel" })).status).toBe(403);
    const manager = await loggedIn(web.url, (await addMember(organisation.id, "MANAGER")).email);
    const team = await manager.request(`/organiser/organisations/${organisation.id}/team`);
    expect(team.status).toBe(403);
    expect(await team.text()).toContain("Only owners of this organisation can do this");
    expect((await db.race.findUniqueOrThrow({ where: { id: race.id } })).status).toBe("DRAFT");
  });
});
