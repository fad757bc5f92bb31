import type { User } from "@prisma/client";
import { beforeAll, describe, expect, it } from "vitest";
import { RuleViolationError } from "~/lib/errors";
import { createTicketType as createTicketTypeAsManager } from "~/services/ticket-types.server";
import { db } from "~/utils/db.server";
import { ticketTypeSchema } from "~/validation/ticket-types";
import { addMember, createOrganisation, createParticipant, createRace, createTicketType } from "../support/factories";
import type { Client } from "../support/http";
import { useStack } from "../support/stack";
import { loggedIn } from "../support/session";

const { web } = useStack();
let manager: { user: User; client: Client; organisationId: string };

beforeAll(async () => {
  const { organisation, user } = await createOrganisation("MANAGER");
  manager = { user, client: await loggedIn(web.url, user.email), organisationId: organisation.id };
});

const ticketsPath = (raceId: string) => `/organiser/races/${raceId}/tickets`;
const editPath = (raceId: string, ticketTypeId: string) => `${ticketsPath(raceId)}/${ticketTypeId}`;

/** The create / edit form as a browser submits it, with every optional field left empty. */
function ticketForm(fields: Record<string, string> = {}) {
  return {
    name: "10K",
    description: "",
    price: "30.00",
    capacity: "100",
    salesStartAt: "",
    salesEndAt: "",
    minAge: "",
    maxPerOrder: "10",
    bibRangeStart: "",
    bibRangeEnd: "",
    sortOrder: "0",
    ...fields,
  };
}

function html(text: string) {
  return text.replaceAll("&#x27;", "'").replaceAll("&quot;", '"').replaceAll("<!-- -->", "");
}

describe("creating ticket types", () => {
  it("stores the price in minor units and the sales window in UTC, and records who did it", async () => {
    const race = await createRace(manager.organisationId, { timeZone: "Europe/Dublin" });
    const response = await manager.client.post(
      ticketsPath(race.id),
      ticketForm({ name: "Half marathon", price: "45.50", capacity: "800", salesStartAt: "2026-06-01T09:00", salesEndAt: "2026-08-01T23:59", minAge: "16", bibRangeStart: "1", bibRangeEnd: "800" }),
    );
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(ticketsPath(race.id));

    const ticketType = await db.ticketType.findFirstOrThrow({ where: { raceId: race.id } });
    expect(ticketType).toMatchObject({
      name: "Half marathon",
      priceMinor: 4550,
      capacity: 800,
      salesStartAt: new Date("2026-06-01T08:00:00Z"),
      salesEndAt: new Date("2026-08-01T22:59:00Z"),
      minAge: 16,
      bibRangeStart: 1,
      bibRangeEnd: 800,
      archivedAt: null,
    });
    const audit = await db.auditEntry.findMany({ where: { raceId: race.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "ticket_type.created", entityId: ticketType.id, actorId: manager.user.id, organisationId: manager.organisationId });
    expect(audit[0]!.changes).toMatchObject({ priceMinor: { from: null, to: 4550 }, capacity: { from: null, to: 800 } });
  });

  it("answers bad input with 400 and the message next to each field, and writes nothing", async () => {
    const race = await createRace(manager.organisationId);
    const response = await manager.client.post(ticketsPath(race.id), ticketForm({ name: "", price: "thirty", capacity: "0" }));
    expect(response.status).toBe(400);
    const page = html(await response.text());
    expect(page).toContain("Enter a name, like 10K or Half marathon");
    expect(page).toContain("Enter an amount in EUR, like 30.00");
    expect(page).toContain("The capacity must be at least 1");
    expect(page).toMatch(/aria-invalid="true"/);
    expect(await db.ticketType.count({ where: { raceId: race.id } })).toBe(0);
    expect(await db.auditEntry.count({ where: { raceId: race.id } })).toBe(0);
  });

  it("refuses a bib range that overlaps another ticket type of the same race, but not of another race", async () => {
    const race = await createRace(manager.organisationId);
    await createTicketType(race.id, { name: "5K", bibRangeStart: 1, bibRangeEnd: 500 });
    const otherRace = await createRace(manager.organisationId);
    await createTicketType(otherRace.id, { name: "Half", bibRangeStart: 400, bibRangeEnd: 900 });

    const overlapping = await manager.client.post(ticketsPath(race.id), ticketForm({ name: "10K", bibRangeStart: "400", bibRangeEnd: "900" }));
    expect(overlapping.status).toBe(400);
    expect(html(await overlapping.text())).toContain("Bib numbers 400–900 overlap “5K” (1–500).");
    expect(await db.ticketType.count({ where: { raceId: race.id } })).toBe(1);

    const adjacent = await manager.client.post(ticketsPath(race.id), ticketForm({ name: "10K", bibRangeStart: "501", bibRangeEnd: "900" }));
    expect(adjacent.status).toBe(302);
    expect(await db.ticketType.count({ where: { raceId: race.id } })).toBe(2);
  });

  it("lets only one of several simultaneous overlapping bib ranges through", async () => {
    const race = await createRace(manager.organisationId);
    const input = ticketTypeSchema({ currency: "EUR", timeZone: "Europe/Dublin" });
    const attempts = await Promise.allSettled(
      ["A", "B", "C", "D", "E", "F"].map((name, index) =>
        createTicketTypeAsManager(
          { raceId: race.id, actorId: manager.user.id },
          input.parse({ name, price: "30", capacity: 10, bibRangeStart: 100 + index, bibRangeEnd: 200 + index }),
        ),
      ),
    );
    expect(attempts.filter((attempt) => attempt.status === "fulfilled")).toHaveLength(1);
    for (const attempt of attempts) {
      if (attempt.status === "rejected") expect(attempt.reason).toBeInstanceOf(RuleViolationError);
    }
    expect(await db.ticketType.count({ where: { raceId: race.id } })).toBe(1);
  });

  it("refuses a second active ticket type with the same name", async () => {
    const race = await createRace(manager.organisationId);
    await createTicketType(race.id, { name: "10K" });
    const response = await manager.client.post(ticketsPath(race.id), ticketForm({ name: "10k" }));
    expect(response.status).toBe(400);
    expect(html(await response.text())).toContain("Another ticket type of this race is already called “10K”.");
  });
});

describe("the ticket types page", () => {
  it("shows sold, held, remaining and the price in force today for each type", async () => {
    const race = await createRace(manager.organisationId);
    const tenK = await createTicketType(race.id, { name: "10K", priceMinor: 3000, capacity: 100, soldCount: 7, heldCount: 5 });
    await db.priceTier.createMany({
      data: [
        { ticketTypeId: tenK.id, label: "Super early", priceMinor: 1500, endsAt: new Date(Date.now() - 24 * 3600 * 1000) },
        { ticketTypeId: tenK.id, label: "Early bird", priceMinor: 2500, endsAt: new Date(Date.now() + 24 * 3600 * 1000) },
      ],
    });
    await createTicketType(race.id, { name: "5K", priceMinor: 2000, capacity: 50 });

    const response = await manager.client.request(ticketsPath(race.id));
    expect(response.status).toBe(200);
    const page = html(await response.text());
    expect(page).toMatch(/Sold<\/dt><dd[^>]*>7<\/dd>/);
    expect(page).toMatch(/Held<\/dt><dd[^>]*>5<\/dd>/);
    expect(page).toMatch(/Remaining<\/dt><dd[^>]*>88<\/dd>/);
    expect(page).toContain("€25.00</span> <span class=\"text-sm text-slate-600\">today (Early bird)");
    expect(page).toContain("€20.00</span> <span class=\"text-sm text-slate-600\">today</span>");
    expect(page).not.toContain("€15.00");
  });

  it("tells an organiser with no ticket types what to do next", async () => {
    const race = await createRace(manager.organisationId);
    const page = await (await manager.client.request(ticketsPath(race.id))).text();
    expect(page).toContain("No ticket types yet. Add the first one below");
  });
});

describe("editing a ticket type", () => {
  it("saves the changes and audits exactly what changed", async () => {
    const race = await createRace(manager.organisationId);
    const tenK = await createTicketType(race.id, { name: "10K", priceMinor: 3000, capacity: 100 });
    const response = await manager.client.post(editPath(race.id, tenK.id), { intent: "update", ...ticketForm({ name: "10K", price: "32.00", capacity: "150" }) });
    expect(response.status).toBe(302);
    expect(await db.ticketType.findUniqueOrThrow({ where: { id: tenK.id } })).toMatchObject({ priceMinor: 3200, capacity: 150 });
    const audit = await db.auditEntry.findFirstOrThrow({ where: { raceId: race.id, action: "ticket_type.updated" } });
    expect(audit.changes).toEqual({ priceMinor: { from: 3000, to: 3200 }, capacity: { from: 100, to: 150 } });
  });

  it("refuses a capacity below sold plus held with a clear 400, and accepts exactly sold plus held", async () => {
    const race = await createRace(manager.organisationId);
    const tenK = await createTicketType(race.id, { name: "10K", capacity: 100, soldCount: 3, heldCount: 2 });
    const tooLow = await manager.client.post(editPath(race.id, tenK.id), { intent: "update", ...ticketForm({ capacity: "4" }) });
    expect(tooLow.status).toBe(400);
    expect(html(await tooLow.text())).toContain("Capacity can't be below 5: 3 sold and 2 held in checkouts right now.");
    expect((await db.ticketType.findUniqueOrThrow({ where: { id: tenK.id } })).capacity).toBe(100);
    expect(await db.auditEntry.count({ where: { raceId: race.id } })).toBe(0);

    const exact = await manager.client.post(editPath(race.id, tenK.id), { intent: "update", ...ticketForm({ capacity: "5" }) });
    expect(exact.status).toBe(302);
    expect((await db.ticketType.findUniqueOrThrow({ where: { id: tenK.id } })).capacity).toBe(5);
  });

  it("may keep its own bib range but not move it onto another type's", async () => {
    const race = await createRace(manager.organisationId);
    const fiveK = await createTicketType(race.id, { name: "5K", bibRangeStart: 1, bibRangeEnd: 100 });
    await createTicketType(race.id, { name: "10K", bibRangeStart: 101, bibRangeEnd: 200 });
    const same = await manager.client.post(editPath(race.id, fiveK.id), { intent: "update", ...ticketForm({ name: "5K", bibRangeStart: "1", bibRangeEnd: "100" }) });
    expect(same.status).toBe(302);
    const overlap = await manager.client.post(editPath(race.id, fiveK.id), { intent: "update", ...ticketForm({ name: "5K", bibRangeStart: "1", bibRangeEnd: "150" }) });
    expect(overlap.status).toBe(400);
    expect(html(await overlap.text())).toContain("overlap “10K” (101–200)");
  });

  it("adds and removes early-bird price tiers, with audit entries", async () => {
    const race = await createRace(manager.organisationId, { timeZone: "Europe/Dublin" });
    const tenK = await createTicketType(race.id, { name: "10K", priceMinor: 3000 });
    const added = await manager.client.post(editPath(race.id, tenK.id), { intent: "add-tier", label: "Early bird", price: "25.00", endsAt: "2099-03-01T00:00" });
    expect(added.status).toBe(302);
    const tier = await db.priceTier.findFirstOrThrow({ where: { ticketTypeId: tenK.id } });
    expect(tier).toMatchObject({ label: "Early bird", priceMinor: 2500, endsAt: new Date("2099-03-01T00:00:00Z") });

    const page = html(await (await manager.client.request(editPath(race.id, tenK.id))).text());
    expect(page).toContain("Early bird</span>: €25.00 until");
    expect(page).toContain("€25.00 today");

    const clash = await manager.client.post(editPath(race.id, tenK.id), { intent: "add-tier", label: "Second", price: "27.00", endsAt: "2099-03-01T00:00" });
    expect(clash.status).toBe(400);
    expect(html(await clash.text())).toContain("“Early bird” already ends at that time");

    const missing = await manager.client.post(editPath(race.id, tenK.id), { intent: "add-tier", label: "", price: "", endsAt: "" });
    expect(missing.status).toBe(400);
    expect(html(await missing.text())).toContain("Enter a label, like Early bird");

    const removed = await manager.client.post(editPath(race.id, tenK.id), { intent: "remove-tier", tierId: tier.id });
    expect(removed.status).toBe(302);
    expect(await db.priceTier.count({ where: { ticketTypeId: tenK.id } })).toBe(0);
    const actions = (await db.auditEntry.findMany({ where: { raceId: race.id }, orderBy: { createdAt: "asc" } })).map((entry) => entry.action);
    expect(actions).toEqual(["ticket_type.price_tier_added", "ticket_type.price_tier_removed"]);
  });
});

describe("archiving and deleting", () => {
  it("archives and restores a ticket type with sold tickets but never deletes it", async () => {
    const race = await createRace(manager.organisationId);
    const tenK = await createTicketType(race.id, { name: "10K" });
    await createParticipant(race.id, tenK.id);

    const refused = await manager.client.post(editPath(race.id, tenK.id), { intent: "delete" });
    expect(refused.status).toBe(400);
    expect(html(await refused.text())).toContain("“10K” already has tickets, so it can't be deleted. Archive it to stop selling it.");
    expect(await db.ticketType.count({ where: { id: tenK.id } })).toBe(1);

    expect((await manager.client.post(editPath(race.id, tenK.id), { intent: "archive" })).status).toBe(302);
    expect((await db.ticketType.findUniqueOrThrow({ where: { id: tenK.id } })).archivedAt).toBeInstanceOf(Date);
    const list = html(await (await manager.client.request(ticketsPath(race.id))).text());
    expect(list).toMatch(/Archived<\/h2>[\s\S]*10K/);

    expect((await manager.client.post(editPath(race.id, tenK.id), { intent: "restore" })).status).toBe(302);
    expect((await db.ticketType.findUniqueOrThrow({ where: { id: tenK.id } })).archivedAt).toBeNull();
    const actions = (await db.auditEntry.findMany({ where: { raceId: race.id }, orderBy: { createdAt: "asc" } })).map((entry) => entry.action);
    expect(actions).toEqual(["ticket_type.archived", "ticket_type.restored"]);
  });

  it("deletes a ticket type that never had tickets", async () => {
    const race = await createRace(manager.organisationId);
    const spare = await createTicketType(race.id, { name: "Relay" });
    const response = await manager.client.post(editPath(race.id, spare.id), { intent: "delete" });
    expect(response.status).toBe(302);
    expect(await db.ticketType.count({ where: { id: spare.id } })).toBe(0);
    expect(await db.auditEntry.count({ where: { raceId: race.id, action: "ticket_type.deleted", entityId: spare.id } })).toBe(1);
  });
});

describe("authorisation", () => {
  it("shows nothing to a member of another organisation and lets them change nothing (404)", async () => {
    const race = await createRace(manager.organisationId);
    const tenK = await createTicketType(race.id, { name: "10K", capacity: 100 });
    const outsider = await createOrganisation("OWNER");
    const client = await loggedIn(web.url, outsider.user.email);

    expect((await client.request(ticketsPath(race.id))).status).toBe(404);
    expect((await client.request(editPath(race.id, tenK.id))).status).toBe(404);
    expect((await client.post(ticketsPath(race.id), ticketForm({ name: "Sneaky" }))).status).toBe(404);
    expect((await client.post(editPath(race.id, tenK.id), { intent: "update", ...ticketForm({ capacity: "1" }) })).status).toBe(404);
    expect((await client.post(editPath(race.id, tenK.id), { intent: "archive" })).status).toBe(404);
    expect((await client.post(editPath(race.id, tenK.id), { intent: "delete" })).status).toBe(404);

    expect(await db.ticketType.findMany({ where: { raceId: race.id }, select: { name: true, capacity: true, archivedAt: true } })).toEqual([
      { name: "10K", capacity: 100, archivedAt: null },
    ]);
    expect(await db.auditEntry.count({ where: { raceId: race.id } })).toBe(0);
  });

  it("does not let a manager reach another race's ticket type through their own race's URL", async () => {
    const race = await createRace(manager.organisationId);
    const foreign = await createOrganisation("OWNER");
    const foreignRace = await createRace(foreign.organisation.id);
    const foreignType = await createTicketType(foreignRace.id, { name: "Theirs", capacity: 100 });

    expect((await manager.client.request(editPath(race.id, foreignType.id))).status).toBe(404);
    expect((await manager.client.post(editPath(race.id, foreignType.id), { intent: "update", ...ticketForm({ capacity: "1" }) })).status).toBe(404);
    expect((await manager.client.post(editPath(race.id, foreignType.id), { intent: "archive" })).status).toBe(404);
    expect((await manager.client.post(editPath(race.id, foreignType.id), { intent: "add-tier", label: "X", price: "1", endsAt: "2099-01-01T00:00" })).status).toBe(404);
    expect(await db.ticketType.findUniqueOrThrow({ where: { id: foreignType.id } })).toMatchObject({ capacity: 100, archivedAt: null });
    expect(await db.priceTier.count({ where: { ticketTypeId: foreignType.id } })).toBe(0);
  });

  it("refuses check-in staff of the organisation with 403 and writes nothing", async () => {
    const race = await createRace(manager.organisationId);
    const tenK = await createTicketType(race.id, { name: "10K", capacity: 100 });
    const staff = await addMember(manager.organisationId, "CHECKIN");
    const client = await loggedIn(web.url, staff.email);

    const page = await client.request(ticketsPath(race.id));
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("Only managers of this organisation can do this");
    expect((await client.request(editPath(race.id, tenK.id))).status).toBe(403);
    expect((await client.post(ticketsPath(race.id), ticketForm({ name: "Sneaky" }))).status).toBe(403);
    expect((await client.post(editPath(race.id, tenK.id), { intent: "update", ...ticketForm({ capacity: "1" }) })).status).toBe(403);
    expect((await client.post(editPath(race.id, tenK.id), { intent: "delete" })).status).toBe(403);

    expect(await db.ticketType.findMany({ where: { raceId: race.id }, select: { name: true, capacity: true } })).toEqual([{ name: "10K", capacity: 100 }]);
    expect(await db.auditEntry.count({ where: { raceId: race.id } })).toBe(0);
  });
});
