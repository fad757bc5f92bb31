import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { assignBib, BibRangeFullError } from "~/services/bibs.server";
import { db } from "~/utils/db.server";
import { addMember, createOrganisation, createParticipant, createRace, createTicketType } from "../support/factories";
import { useStack } from "../support/stack";
import { loggedIn } from "../support/session";

const { web } = useStack();

/** An organisation with an owner signed in, a race and two ticket types (one with a bib range). */
async function raceWithOwner() {
  const { organisation, user } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id);
  const tenK = await createTicketType(race.id, { name: "10K", bibRangeStart: 1, bibRangeEnd: 500 });
  const fiveK = await createTicketType(race.id, { name: "5K", sortOrder: 1 });
  const owner = await loggedIn(web.url, user.email);
  return { organisation, user, race, tenK, fiveK, owner, base: `/organiser/races/${race.id}/participants` };
}

async function outsider() {
  const { user } = await createOrganisation("OWNER");
  return loggedIn(web.url, user.email);
}

/** The page's HTML without React's text separators (`Page <!-- -->1<!-- --> of 2`), as a reader sees it. */
async function html(response: Response | Promise<Response>) {
  return (await (await response).text()).replaceAll("<!-- -->", "");
}

function rowsOf(html: string) {
  return [...html.matchAll(/<tr>(.*?)<\/tr>/gs)].slice(1).map((m) => m[1]!);
}

describe("participants list", () => {
  it("searches by name, email and bib and filters by ticket type and status", async () => {
    const { race, tenK, fiveK, owner, base } = await raceWithOwner();
    await createParticipant(race.id, tenK.id, { firstName: "Aoife", lastName: "Byrne", email: "aoife@harbour.example", teamName: "Pier Pressure" }, 7);
    await createParticipant(race.id, tenK.id, { firstName: "Brian", lastName: "Walsh", email: "brian@example.com" }, 8);
    const refunded = await createParticipant(race.id, fiveK.id, { firstName: "Ciara", lastName: "Kelly", email: "ciara@example.com" }, 501);
    await db.ticket.update({ where: { id: refunded.ticket.id }, data: { status: "REFUNDED" } });
    const checkedIn = await createParticipant(race.id, fiveK.id, { firstName: "Declan", lastName: "Byrne", email: "declan@example.com" }, 502);
    await db.participant.update({ where: { id: checkedIn.participant.id }, data: { checkedInAt: new Date() } });

    const all = await owner.request(base);
    expect(all.status).toBe(200);
    const allHtml = await html(all);
    expect(allHtml).toContain("4 participants");
    const aoifeRow = rowsOf(allHtml).find((row) => row.includes("Byrne, Aoife"))!;
    for (const cell of ["aoife@harbour.example", ">7<", "10K", "Issued", "Pier Pressure"]) expect(aoifeRow).toContain(cell);

    const byName = await html(owner.request(`${base}?q=byrne`));
    expect(rowsOf(byName).map((row) => /Byrne, \w+/.exec(row)?.[0])).toEqual(["Byrne, Aoife", "Byrne, Declan"]);
    const byFullName = await html(owner.request(`${base}?q=${encodeURIComponent("aoife BYRNE")}`));
    expect(rowsOf(byFullName)).toHaveLength(1);
    const byEmail = await html(owner.request(`${base}?q=harbour.example`));
    expect(rowsOf(byEmail).map((row) => /Byrne, \w+/.exec(row)?.[0])).toEqual(["Byrne, Aoife"]);
    const byBib = await html(owner.request(`${base}?q=8`));
    expect(rowsOf(byBib)).toHaveLength(1);
    expect(byBib).toContain("Walsh, Brian");

    const fiveKOnly = await html(owner.request(`${base}?ticketTypeId=${fiveK.id}`));
    expect(rowsOf(fiveKOnly)).toHaveLength(2);
    const refundedOnly = await html(owner.request(`${base}?status=refunded`));
    expect(rowsOf(refundedOnly)).toHaveLength(1);
    expect(refundedOnly).toContain("Kelly, Ciara");
    const checkedInOnly = await html(owner.request(`${base}?status=checked_in`));
    expect(rowsOf(checkedInOnly)).toHaveLength(1);
    expect(checkedInOnly).toContain("Byrne, Declan");
    const toCome = await html(owner.request(`${base}?status=not_checked_in&ticketTypeId=${tenK.id}`));
    expect(rowsOf(toCome)).toHaveLength(2);

    const none = await html(owner.request(`${base}?q=nobody-by-this-name`));
    expect(none).toContain("No participants match");
  });

  it("shows 25 participants a page, by last name, and keeps the filter in page links", async () => {
    const { race, tenK, owner, base } = await raceWithOwner();
    for (let i = 0; i < 30; i++) {
      await createParticipant(race.id, tenK.id, { lastName: `Runner${String(i).padStart(2, "0")}`, firstName: "Page" });
    }
    const first = await html(owner.request(`${base}?q=page`));
    expect(rowsOf(first)).toHaveLength(25);
    expect(first).toContain("Page 1 of 2");
    expect(first).toContain(`href="?q=page&amp;page=2"`);
    const second = await html(owner.request(`${base}?q=page&page=2`));
    expect(rowsOf(second).map((row) => /Runner\d+/.exec(row)?.[0])).toEqual(["Runner25", "Runner26", "Runner27", "Runner28", "Runner29"]);
  });
});

describe("participant detail and edit", () => {
  async function signedUpParticipant() {
    const setup = await raceWithOwner();
    const { race, tenK } = setup;
    const text = "I take part at my own risk.";
    const contentHash = createHash("sha256").update(`Harbour waiver\n${text}`).digest("hex");
    const version = await db.waiverVersion.create({ data: { raceId: race.id, version: 2, title: "Harbour waiver", text, contentHash } });
    const question = await db.raceQuestion.create({ data: { raceId: race.id, label: "Expected finish time?", kind: "TEXT" } });
    const vegan = await db.raceQuestion.create({ data: { raceId: race.id, label: "Vegan meal", kind: "CHECKBOX", sortOrder: 1 } });
    const { participant, ticket } = await createParticipant(
      race.id,
      tenK.id,
      { firstName: "Niamh", lastName: "Doyle", dateOfBirth: new Date("2011-03-04"), answers: { [question.id]: "52 minutes", [vegan.id]: true } },
      12,
    );
    await db.waiverSignature.create({
      data: {
        participantId: participant.id,
        waiverVersionId: version.id,
        signedName: "Niamh Doyle",
        guardianName: "Mary Doyle",
        signedAt: new Date("2026-03-01T10:00:00Z"),
        ip: "203.0.113.9",
        contentHash,
      },
    });
    return { ...setup, participant, ticket, contentHash, url: `${setup.base}/${participant.id}` };
  }

  it("shows the standard fields, custom answers by question label and the waiver version signed", async () => {
    const { owner, url, contentHash } = await signedUpParticipant();
    const response = await owner.request(url);
    expect(response.status).toBe(200);
    const page = await html(response);
    for (const text of ["Niamh Doyle", "2011-03-04", "Expected finish time?", "52 minutes", "Vegan meal", "Yes", "Version 2: Harbour waiver", contentHash, "Mary Doyle", "203.0.113.9", "1 Mar 2026"]) {
      expect(page).toContain(text);
    }
  });

  it("saves an edit with an audit entry of what changed", async () => {
    const { owner, url, participant, ticket, user, race } = await signedUpParticipant();
    const response = await owner.post(url, {
      firstName: "Niamh",
      lastName: "Doyle-Ryan",
      email: "Niamh.Doyle@Example.com",
      dateOfBirth: "2011-03-04",
      emergencyName: "Mary Doyle",
      emergencyPhone: "+353 87 123 4567",
      club: "Harbour AC",
      tshirtSize: "S",
      teamName: "",
      gender: "",
      bib: "44",
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(`/organiser/races/${race.id}/participants/${participant.id}?saved=1`);
    const saved = await db.participant.findUniqueOrThrow({ where: { id: participant.id }, include: { ticket: true } });
    expect(saved).toMatchObject({ lastName: "Doyle-Ryan", email: "niamh.doyle@example.com", club: "Harbour AC", emergencyPhone: "+353 87 123 4567" });
    expect(saved.ticket.bib).toBe(44);
    const audit = await db.auditEntry.findMany({ where: { entityId: participant.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "participant.updated", actorId: user.id, raceId: race.id, entityType: "participant" });
    expect(audit[0]!.changes).toEqual({
      lastName: { from: "Doyle", to: "Doyle-Ryan" },
      email: { from: participant.email, to: "niamh.doyle@example.com" },
      emergencyName: { from: null, to: "Mary Doyle" },
      emergencyPhone: { from: null, to: "+353 87 123 4567" },
      club: { from: null, to: "Harbour AC" },
      tshirtSize: { from: null, to: "S" },
      bib: { from: ticket.bib, to: 44 },
    });
    expect(await html(owner.request(`${url}?saved=1`))).toContain("Changes saved.");
  });

  it("refuses invalid input with messages next to the fields and writes nothing", async () => {
    const { owner, url, participant } = await signedUpParticipant();
    const response = await owner.post(url, { firstName: "", lastName: "Doyle", email: "not-an-email", dateOfBirth: "2011-02-30", bib: "twelve" });
    expect(response.status).toBe(400);
    const page = await html(response);
    for (const message of ["Enter the first name", "Enter a valid email address", "Enter a date like 1990-04-21", "Enter a whole number from 1 to"]) {
      expect(page).toContain(message);
    }
    expect(page).toContain('aria-invalid="true"');
    expect(await db.participant.findUniqueOrThrow({ where: { id: participant.id } })).toMatchObject({ firstName: "Niamh", email: participant.email });
    expect(await db.auditEntry.count({ where: { entityId: participant.id } })).toBe(0);
  });

  it("refuses a bib another participant of the race has, naming them, and changes nothing", async () => {
    const { owner, url, race, tenK, participant } = await signedUpParticipant();
    await createParticipant(race.id, tenK.id, { firstName: "Seán", lastName: "Murphy" }, 99);
    const response = await owner.post(url, { firstName: "Niamh", lastName: "Changed", email: participant.email, bib: "99" });
    expect(response.status).toBe(400);
    expect(await html(response)).toContain("Bib 99 is already taken by Seán Murphy (10K).");
    const unchanged = await db.participant.findUniqueOrThrow({ where: { id: participant.id }, include: { ticket: true } });
    expect(unchanged.lastName).toBe("Doyle");
    expect(unchanged.ticket.bib).toBe(12);
    expect(await db.auditEntry.count({ where: { entityId: participant.id } })).toBe(0);
  });
});

describe("CSV export", () => {
  async function readCsv(response: Response) {
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toMatch(/^attachment; filename="harbour-10k-[a-z0-9]+-participants-\d{4}-\d{2}-\d{2}\.csv"$/);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)], "UTF-8 byte order mark for Excel").toEqual([0xef, 0xbb, 0xbf]);
    return new TextDecoder().decode(bytes);
  }

  it("writes a header and escaped rows, honouring search and filters", async () => {
    const { race, tenK, fiveK, owner, base } = await raceWithOwner();
    const question = await db.raceQuestion.create({ data: { raceId: race.id, label: "Dietary needs, if any", kind: "TEXT" } });
    await createParticipant(race.id, tenK.id, { firstName: 'Pat "Flash"', lastName: "O'Brien, Jr", email: "pat@example.com", teamName: "=HYPERLINK(\"x\")", answers: { [question.id]: "none\nreally" } }, 3);
    await createParticipant(race.id, fiveK.id, { firstName: "Zoë", lastName: "Ní Bhriain", email: "zoe@example.com", emergencyPhone: "+353 1 234" });

    const all = await readCsv(await owner.request(`${base}.csv`));
    expect(all.startsWith("Participant ID,First name,Last name,Email,Bib,Ticket type,Ticket status,Checked in at (UTC),Team,Club,Date of birth,Gender,Emergency contact,Emergency phone,T-shirt size,\"Dietary needs, if any\"\r\n")).toBe(true);
    expect(all).toContain(`,"Pat ""Flash""","O'Brien, Jr",pat@example.com,3,10K,issued,,"'=HYPERLINK(""x"")",,,,,,,"none\nreally"\r\n`);
    expect(all).toContain(",Zoë,Ní Bhriain,zoe@example.com,,5K,issued,,,,,,,+353 1 234,,\r\n");

    const filtered = await readCsv(await owner.request(`${base}.csv?q=zoe&ticketTypeId=${fiveK.id}`));
    expect(filtered.trimEnd().split("\r\n")).toHaveLength(2);
    expect(filtered).toContain("Zoë");
    expect(filtered).not.toContain("Pat");
  });

  it("streams 50,000 participants", async () => {
    const { race, tenK, owner, base } = await raceWithOwner();
    const { order } = await createParticipant(race.id, tenK.id, { firstName: "First", lastName: "Runner" });
    const rows = 50_000;
    await db.$executeRaw`
      INSERT INTO "Ticket" ("id", "orderId", "raceId", "ticketTypeId", "status", "priceMinor", "bib", "qrToken", "createdAt", "updatedAt")
      SELECT 'bulk-t-' || ${race.id}::text || '-' || n, ${order.id}, ${race.id}, ${tenK.id}, 'ISSUED'::"TicketStatus", 3000, 1000 + n,
             'bulk-qr-' || ${race.id}::text || '-' || n, now(), now()
      FROM generate_series(1, ${rows - 1}::int) AS n`;
    await db.$executeRaw`
      INSERT INTO "Participant" ("id", "ticketId", "raceId", "firstName", "lastName", "email", "answers", "createdAt", "updatedAt")
      SELECT 'bulk-p-' || ${race.id}::text || '-' || n, 'bulk-t-' || ${race.id}::text || '-' || n, ${race.id}, 'Bulk', 'Runner ' || n,
             'bulk' || n || '@example.com', '{}', now(), now()
      FROM generate_series(1, ${rows - 1}::int) AS n`;

    const started = Date.now();
    const response = await owner.request(`${base}.csv`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Length")).toBeNull();
    let lines = 0;
    let chunks = 0;
    let firstChunkAt = 0;
    const ids = new Set<string>();
    let partial = "";
    const decoder = new TextDecoder();
    const reader = response.body!.getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      const chunk = next.value;
      chunks += 1;
      firstChunkAt ||= Date.now() - started;
      const text = partial + decoder.decode(chunk, { stream: true });
      const split = text.split("\r\n");
      partial = split.pop()!;
      for (const line of split) {
        lines += 1;
        ids.add(line.slice(0, line.indexOf(",")));
      }
    }
    expect(partial).toBe("");
    expect(lines).toBe(rows + 1);
    expect(ids.size).toBe(rows + 1);
    expect(chunks).toBeGreaterThan(10);
    expect(firstChunkAt).toBeLessThan(Date.now() - started);
  }, 60_000);
});

describe("bib assignment", () => {
  it("gives 20 concurrent tickets 20 distinct numbers in their type's range, then says the range is full", async () => {
    const { organisation } = await createOrganisation("OWNER");
    const race = await createRace(organisation.id);
    const type = await createTicketType(race.id, { name: "Elite", bibRangeStart: 100, bibRangeEnd: 119 });
    const tickets = await Promise.all(Array.from({ length: 21 }, () => createParticipant(race.id, type.id).then((p) => p.ticket.id)));

    const bibs = await Promise.all(tickets.slice(0, 20).map((id) => db.$transaction((tx) => assignBib(tx, id), { timeout: 20_000, maxWait: 20_000 })));
    expect([...bibs].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 100 + i));
    expect(await db.ticket.count({ where: { raceId: race.id, bib: { not: null } } })).toBe(20);

    const full = db.$transaction((tx) => assignBib(tx, tickets[20]!));
    await expect(full).rejects.toBeInstanceOf(BibRangeFullError);
    await expect(full).rejects.toThrow('Every bib number from 100 to 119 of the ticket type "Elite" is taken.');
    expect((await db.ticket.findUniqueOrThrow({ where: { id: tickets[20]! } })).bib).toBeNull();

    // A ticket that already has a bib keeps it.
    expect(await db.$transaction((tx) => assignBib(tx, tickets[0]!))).toBe(bibs[0]);
  });

  it("fills a gap in the range, and numbers a type without a range above every bib and range of the race", async () => {
    const { organisation } = await createOrganisation("OWNER");
    const race = await createRace(organisation.id);
    const ranged = await createTicketType(race.id, { name: "10K", bibRangeStart: 1, bibRangeEnd: 300 });
    const open = await createTicketType(race.id, { name: "Fun run" });
    await createParticipant(race.id, ranged.id, {}, 1);
    await createParticipant(race.id, ranged.id, {}, 3);
    const gap = await createParticipant(race.id, ranged.id);
    expect(await db.$transaction((tx) => assignBib(tx, gap.ticket.id))).toBe(2);

    const first = await createParticipant(race.id, open.id);
    expect(await db.$transaction((tx) => assignBib(tx, first.ticket.id))).toBe(301);
    await createParticipant(race.id, open.id, {}, 450);
    const next = await createParticipant(race.id, open.id);
    expect(await db.$transaction((tx) => assignBib(tx, next.ticket.id))).toBe(451);
  });

  it("starts the search above the numbers given, and gives a number an organiser's edit freed again", async () => {
    const { race, tenK, owner, base } = await raceWithOwner();
    const floor = async () => (await db.bibFloor.findUnique({ where: { raceId_rangeStart: { raceId: race.id, rangeStart: 1 } } }))?.next;
    const numbered = [];
    for (let i = 0; i < 5; i++) {
      const { ticket, participant } = await createParticipant(race.id, tenK.id);
      numbered.push({ bib: await db.$transaction((tx) => assignBib(tx, ticket.id)), participant });
    }
    expect(numbered.map((n) => n.bib)).toEqual([1, 2, 3, 4, 5]);
    expect(await floor()).toBe(6);

    // The organiser moves bib 3 to 40: 3 is free again, and the next ticket gets it rather than 6.
    const moved = numbered[2]!.participant;
    const edit = await owner.post(`${base}/${moved.id}`, { firstName: moved.firstName, lastName: moved.lastName, email: moved.email, bib: "40" });
    expect(edit.status).toBe(302);
    expect(await floor()).toBe(3);
    const refill = await createParticipant(race.id, tenK.id);
    expect(await db.$transaction((tx) => assignBib(tx, refill.ticket.id))).toBe(3);
    expect(await floor()).toBe(4);
    // 4 and 5 are taken, 40 is skipped over; numbers are never given twice.
    const after = await createParticipant(race.id, tenK.id);
    expect(await db.$transaction((tx) => assignBib(tx, after.ticket.id))).toBe(6);
    expect(await floor()).toBe(7);
  });
});

describe("who may see and change participants", () => {
  it("answers 404 to another organisation's member on every participants URL and writes nothing", async () => {
    const { race, tenK, base } = await raceWithOwner();
    const { participant } = await createParticipant(race.id, tenK.id, { firstName: "Private" }, 5);
    const stranger = await outsider();
    for (const path of [base, `${base}?q=private`, `${base}/${participant.id}`, `${base}.csv`]) {
      expect((await stranger.request(path)).status, path).toBe(404);
    }
    const edit = await stranger.post(`${base}/${participant.id}`, { firstName: "Hacked", lastName: "X", email: "x@example.com", bib: "6" });
    expect(edit.status).toBe(404);
    const after = await db.participant.findUniqueOrThrow({ where: { id: participant.id }, include: { ticket: true } });
    expect(after.firstName).toBe("Private");
    expect(after.ticket.bib).toBe(5);
    expect(await db.auditEntry.count({ where: { entityId: participant.id } })).toBe(0);
  });

  it("answers 404 for a participant of another race, even of the same organisation", async () => {
    const { organisation, owner, base } = await raceWithOwner();
    const otherRace = await createRace(organisation.id);
    const otherType = await createTicketType(otherRace.id);
    const { participant } = await createParticipant(otherRace.id, otherType.id, { firstName: "Elsewhere" });
    expect((await owner.request(`${base}/${participant.id}`)).status).toBe(404);
    const edit = await owner.post(`${base}/${participant.id}`, { firstName: "Moved", lastName: "X", email: "x@example.com" });
    expect(edit.status).toBe(404);
    expect((await db.participant.findUniqueOrThrow({ where: { id: participant.id } })).firstName).toBe("Elsewhere");
  });

  it("answers 403 to check-in staff, who may only check people in", async () => {
    const { organisation, race, tenK, base } = await raceWithOwner();
    const { participant } = await createParticipant(race.id, tenK.id, { firstName: "Staffed" });
    const staff = await addMember(organisation.id, "CHECKIN");
    const client = await loggedIn(web.url, staff.email);
    for (const path of [base, `${base}/${participant.id}`, `${base}.csv`]) {
      const response = await client.request(path);
      expect(response.status, path).toBe(403);
      expect(await response.text()).toContain("Only managers of this organisation can do this");
    }
    const edit = await client.post(`${base}/${participant.id}`, { firstName: "Changed", lastName: "X", email: "x@example.com" });
    expect(edit.status).toBe(403);
    expect((await db.participant.findUniqueOrThrow({ where: { id: participant.id } })).firstName).toBe("Staffed");
    expect((await client.request(`/organiser/races/${race.id}/checkin`)).status).toBe(200);
  });
});
