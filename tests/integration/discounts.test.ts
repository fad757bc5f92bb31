import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@prisma/client";
import { afterAll, describe, expect, it } from "vitest";
import { evaluateDiscount, holdDiscount, redeemDiscount, releaseDiscountHold, type HoldResult, type RedeemResult } from "~/services/discount-holds.server";
import { createDiscountCode, type DiscountCodeInput } from "~/services/discounts.server";
import { db } from "~/utils/db.server";
import { addMember, createOrganisation, createRace, createTicketType } from "../support/factories";
import { uniqueEmail } from "../support/http";
import { useStack } from "../support/stack";
import { loggedIn } from "../support/session";

const { web } = useStack();
/** Its own pool, large enough that every concurrent transaction below holds a connection at once. */
const concurrent = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL!, max: 50 }) });

afterAll(async () => {
  await concurrent.$disconnect();
});

async function raceWithManager() {
  const { organisation } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id);
  const manager = await addMember(organisation.id, "MANAGER");
  const tenK = await createTicketType(race.id, { name: "10K", priceMinor: 3000 });
  const kids = await createTicketType(race.id, { name: "Kids 1K", priceMinor: 800, sortOrder: 1 });
  return { organisation, race, manager, tenK, kids, client: await loggedIn(web.url, manager.email), path: `/organiser/races/${race.id}/codes` };
}

const createForm = (fields: Record<string, string> = {}) => ({
  intent: "create",
  code: "spring-10",
  kind: "PERCENT",
  percentOff: "10",
  amountOff: "",
  scope: "ALL",
  maxRedemptions: "10",
  perUserLimit: "",
  validFrom: "",
  validUntil: "",
  ...fields,
});

function input(overrides: Partial<DiscountCodeInput> = {}): DiscountCodeInput {
  return {
    code: `CODE${Math.random().toString(36).slice(2, 8)}`,
    kind: "PERCENT",
    amount: 10,
    ticketTypeIds: [],
    maxRedemptions: null,
    perUserLimit: null,
    validFrom: null,
    validUntil: null,
    ...overrides,
  };
}

function order(raceId: string, buyerEmail = uniqueEmail("buyer")) {
  return db.order.create({ data: { raceId, buyerEmail, buyerName: "Buyer", currency: "EUR", status: "PAID", paidAt: new Date() } });
}

const page = async (response: Response) => (await response.text()).replaceAll("<!-- -->", "");

describe("managing codes over HTTP", () => {
  it("creates a code stored upper-case, lists its uses and records an audit entry", async () => {
    const { race, manager, client, path } = await raceWithManager();
    const response = await client.post(path, createForm());
    expect(response.status).toBe(200);
    expect(await page(response)).toContain("Code SPRING-10 created.");
    const code = await db.discountCode.findFirstOrThrow({ where: { raceId: race.id }, include: { ticketTypes: true } });
    expect(code).toMatchObject({ code: "SPRING-10", kind: "PERCENT", amount: 10, maxRedemptions: 10, perUserLimit: null, active: true, ticketTypes: [] });

    const list = await page(await client.request(path));
    expect(list).toContain("SPRING-10");
    expect(list).toContain("0 / 10 used");
    expect(list).toContain("10% off");

    const audit = await db.auditEntry.findMany({ where: { raceId: race.id, action: "discount_code.created" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: manager.id, entityId: code.id, changes: { code: "SPRING-10", amount: 10 } });
  });

  it("refuses a duplicate code, whatever its case, with a clear error next to the field", async () => {
    const { race, client, path } = await raceWithManager();
    await client.post(path, createForm());
    const duplicate = await client.post(path, createForm({ code: "Spring-10", percentOff: "20" }));
    expect(duplicate.status).toBe(409);
    const html = await page(duplicate);
    expect(html).toContain("This race already has a code SPRING-10. Choose another code.");
    expect(html).toMatch(/id="create-code-code"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="create-code-code"/);
    expect(await db.discountCode.count({ where: { raceId: race.id } })).toBe(1);
    expect(await db.auditEntry.count({ where: { raceId: race.id } })).toBe(1);
  });

  it("lets the same code exist on another race", async () => {
    const first = await raceWithManager();
    const second = await raceWithManager();
    expect((await first.client.post(first.path, createForm())).status).toBe(200);
    expect((await second.client.post(second.path, createForm())).status).toBe(200);
  });

  it("creates a fixed-amount code for some ticket types, with dates in the race's time zone", async () => {
    const { race, kids, client, path } = await raceWithManager();
    const response = await client.post(
      path,
      createForm({ code: "KIDS5", kind: "FIXED", percentOff: "", amountOff: "5.50", scope: "SOME", ticketTypeIds: kids.id, perUserLimit: "1", validFrom: "2026-07-01T09:00", validUntil: "2026-07-31T23:59" }),
    );
    expect(response.status).toBe(200);
    const code = await db.discountCode.findFirstOrThrow({ where: { raceId: race.id }, include: { ticketTypes: true } });
    expect(code).toMatchObject({ code: "KIDS5", kind: "FIXED", amount: 550, perUserLimit: 1 });
    expect(code.ticketTypes.map((t) => t.id)).toEqual([kids.id]);
    expect(code.validFrom?.toISOString()).toBe("2026-07-01T08:00:00.000Z");
    expect(code.validUntil?.toISOString()).toBe("2026-07-31T22:59:00.000Z");
    const list = await page(await client.request(path));
    expect(list).toContain("€5.50 off per order");
    expect(list).toContain("Kids 1K");
  });

  it("refuses ticket types of another race and writes nothing", async () => {
    const { race, client, path } = await raceWithManager();
    const other = await raceWithManager();
    const response = await client.post(path, createForm({ scope: "SOME", ticketTypeIds: other.tenK.id }));
    expect(response.status).toBe(400);
    expect(await page(response)).toContain("Choose ticket types of this race");
    expect(await db.discountCode.count({ where: { raceId: race.id } })).toBe(0);
  });

  it("shows field errors for bad input", async () => {
    const { race, client, path } = await raceWithManager();
    const response = await client.post(path, createForm({ code: "a", percentOff: "150", maxRedemptions: "0" }));
    expect(response.status).toBe(400);
    const html = await page(response);
    expect(html).toContain("Use 3 to 32 letters, digits, - or _");
    expect(html).toContain("Enter a whole percentage from 1 to 100");
    expect(html).toContain("Enter at least 1, or leave empty for no limit");
    expect(await db.discountCode.count({ where: { raceId: race.id } })).toBe(0);
  });

  it("edits a code with an audit diff, and refuses a code another one of the race uses", async () => {
    const { race, manager, client, path, tenK } = await raceWithManager();
    const code = await createDiscountCode({ raceId: race.id, actorId: manager.id, input: input({ code: "EDITME", maxRedemptions: 5 }) });
    await createDiscountCode({ raceId: race.id, actorId: manager.id, input: input({ code: "TAKEN" }) });
    const editPath = `${path}/${code.id}`;
    const form = await page(await client.request(editPath));
    expect(form).toContain('value="EDITME"');

    const fields = { ...createForm({ code: "edited", percentOff: "25", scope: "SOME", ticketTypeIds: tenK.id, maxRedemptions: "50" }), intent: "update" };
    const saved = await client.post(editPath, fields);
    expect(saved.status).toBe(302);
    expect(saved.headers.get("Location")).toBe(path);
    const after = await db.discountCode.findUniqueOrThrow({ where: { id: code.id }, include: { ticketTypes: true } });
    expect(after).toMatchObject({ code: "EDITED", amount: 25, maxRedemptions: 50 });
    expect(after.ticketTypes.map((t) => t.id)).toEqual([tenK.id]);
    const audit = await db.auditEntry.findFirstOrThrow({ where: { entityId: code.id, action: "discount_code.updated" } });
    expect(audit.changes).toEqual({
      code: { from: "EDITME", to: "EDITED" },
      amount: { from: 10, to: 25 },
      maxRedemptions: { from: 5, to: 50 },
      ticketTypeIds: { from: [], to: [tenK.id] },
    });

    const clash = await client.post(editPath, { ...fields, code: "taken" });
    expect(clash.status).toBe(409);
    expect(await page(clash)).toContain("This race already has a code TAKEN.");
    expect((await db.discountCode.findUniqueOrThrow({ where: { id: code.id } })).code).toBe("EDITED");
  });

  it("refuses a maximum below the uses so far", async () => {
    const { race, manager, client, path } = await raceWithManager();
    const code = await createDiscountCode({ raceId: race.id, actorId: manager.id, input: input({ code: "POPULAR" }) });
    await db.discountCode.update({ where: { id: code.id }, data: { redemptionCount: 3 } });
    const response = await client.post(`${path}/${code.id}`, { ...createForm({ code: "POPULAR", maxRedemptions: "2" }), intent: "update" });
    expect(response.status).toBe(400);
    expect(await page(response)).toContain("This code has been used 3 times; enter 3 or more.");
  });

  it("deactivates and reactivates a code, with audit entries", async () => {
    const { race, manager, client, path } = await raceWithManager();
    const code = await createDiscountCode({ raceId: race.id, actorId: manager.id, input: input({ code: "PAUSE" }) });
    const off = await client.post(path, { intent: "set-active", codeId: code.id, active: "false" });
    expect(off.status).toBe(200);
    expect(await page(off)).toContain("PAUSE deactivated.");
    expect((await db.discountCode.findUniqueOrThrow({ where: { id: code.id } })).active).toBe(false);
    await client.post(path, { intent: "set-active", codeId: code.id, active: "true" });
    expect((await db.discountCode.findUniqueOrThrow({ where: { id: code.id } })).active).toBe(true);
    const actions = await db.auditEntry.findMany({ where: { entityId: code.id }, orderBy: { createdAt: "asc" }, select: { action: true } });
    expect(actions.map((a) => a.action)).toEqual(["discount_code.created", "discount_code.deactivated", "discount_code.reactivated"]);
  });
});

describe("authorisation", () => {
  async function snapshot(raceId: string) {
    return {
      codes: await db.discountCode.findMany({ where: { raceId }, orderBy: { id: "asc" } }),
      audit: await db.auditEntry.count({ where: { raceId } }),
    };
  }

  async function attempts(client: Awaited<ReturnType<typeof loggedIn>>, raceId: string, codeId: string) {
    const path = `/organiser/races/${raceId}/codes`;
    return [
      (await client.request(path)).status,
      (await client.post(path, createForm({ code: "INTRUDER" }))).status,
      (await client.post(path, { intent: "set-active", codeId, active: "false" })).status,
      (await client.request(`${path}/${codeId}`)).status,
      (await client.post(`${path}/${codeId}`, { ...createForm({ code: "INTRUDER" }), intent: "update" })).status,
    ];
  }

  it("answers 404 to a member of another organisation on every route and writes nothing", async () => {
    const { race, manager } = await raceWithManager();
    const code = await createDiscountCode({ raceId: race.id, actorId: manager.id, input: input({ code: "MINE" }) });
    const before = await snapshot(race.id);
    const { user: outsider } = await createOrganisation("OWNER");
    expect(await attempts(await loggedIn(web.url, outsider.email), race.id, code.id)).toEqual([404, 404, 404, 404, 404]);
    expect(await snapshot(race.id)).toEqual(before);
  });

  it("answers 403 to check-in staff on every route and writes nothing", async () => {
    const { organisation, race, manager } = await raceWithManager();
    const code = await createDiscountCode({ raceId: race.id, actorId: manager.id, input: input({ code: "MINE" }) });
    const before = await snapshot(race.id);
    const checkin = await addMember(organisation.id, "CHECKIN");
    expect(await attempts(await loggedIn(web.url, checkin.email), race.id, code.id)).toEqual([403, 403, 403, 403, 403]);
    expect(await snapshot(race.id)).toEqual(before);
  });

  it("answers 404 to a manager using their race's URL with another race's code", async () => {
    const mine = await raceWithManager();
    const theirs = await raceWithManager();
    const code = await createDiscountCode({ raceId: theirs.race.id, actorId: theirs.manager.id, input: input({ code: "THEIRS" }) });
    const before = await snapshot(theirs.race.id);
    const path = `${mine.path}/${code.id}`;
    expect((await mine.client.request(path)).status).toBe(404);
    expect((await mine.client.post(path, { ...createForm({ code: "STOLEN" }), intent: "update" })).status).toBe(404);
    expect((await mine.client.post(mine.path, { intent: "set-active", codeId: code.id, active: "false" })).status).toBe(404);
    expect(await snapshot(theirs.race.id)).toEqual(before);
    expect(await db.auditEntry.count({ where: { raceId: mine.race.id } })).toBe(0);
  });
});

describe("evaluateDiscount", () => {
  const now = new Date("2026-06-01T12:00:00Z");

  it("matches the code case-insensitively and takes the percentage off in-scope lines only", async () => {
    const { race, manager, tenK, kids } = await raceWithManager();
    const code = await createDiscountCode({ raceId: race.id, actorId: manager.id, input: input({ code: "KIDSHALF", amount: 50, ticketTypeIds: [kids.id] }) });
    const result = await evaluateDiscount({
      raceId: race.id,
      code: " kidsHalf ",
      email: "parent@example.com",
      now,
      lines: [
        { ticketTypeId: tenK.id, priceMinor: 3000, quantity: 1 },
        { ticketTypeId: kids.id, priceMinor: 801, quantity: 2 },
      ],
    });
    expect(result).toEqual({
      ok: true,
      codeId: code.id,
      code: "KIDSHALF",
      discountMinor: 801,
      perLine: [
        { ticketTypeId: tenK.id, discountMinor: 0 },
        { ticketTypeId: kids.id, discountMinor: 801 },
      ],
    });
  });

  it("caps a fixed amount at the in-scope subtotal", async () => {
    const { race, manager, kids } = await raceWithManager();
    await createDiscountCode({ raceId: race.id, actorId: manager.id, input: input({ code: "BIGFIXED", kind: "FIXED", amount: 5000 }) });
    const result = await evaluateDiscount({ raceId: race.id, code: "bigfixed", email: "a@example.com", now, lines: [{ ticketTypeId: kids.id, priceMinor: 800, quantity: 2 }] });
    expect(result).toMatchObject({ ok: true, discountMinor: 1600 });
  });

  it("gives each failure its reason and message", async () => {
    const { race, manager, tenK, kids } = await raceWithManager();
    const other = await raceWithManager();
    const make = (code: string, overrides: Partial<DiscountCodeInput> = {}) => createDiscountCode({ raceId: race.id, actorId: manager.id, input: input({ code, ...overrides }) });
    await createDiscountCode({ raceId: other.race.id, actorId: other.manager.id, input: input({ code: "OTHERRACE" }) });
    const inactive = await make("INACTIVE");
    await db.discountCode.update({ where: { id: inactive.id }, data: { active: false } });
    await make("LATER", { validFrom: new Date("2026-06-02T00:00:00Z") });
    await make("OVER", { validUntil: new Date("2026-05-31T23:59:00Z") });
    const usedUp = await make("USEDUP", { maxRedemptions: 2 });
    await db.discountCode.update({ where: { id: usedUp.id }, data: { redemptionCount: 2 } });
    const once = await make("ONCE", { perUserLimit: 1 });
    await db.discountRedemption.create({ data: { discountCodeId: once.id, orderId: (await order(race.id)).id, email: "repeat@example.com" } });
    await make("KIDSONLY", { ticketTypeIds: [kids.id] });

    const evaluate = (code: string, email = "someone@example.com") =>
      evaluateDiscount({ raceId: race.id, code, email, now, lines: [{ ticketTypeId: tenK.id, priceMinor: 3000, quantity: 1 }] });
    const cases = [
      ["NOPE", "unknown_code", "We don't recognise that code"],
      ["", "unknown_code", "We don't recognise that code"],
      ["OTHERRACE", "unknown_code", "We don't recognise that code"],
      ["inactive", "inactive", "no longer active"],
      ["later", "not_yet_valid", "can't be used yet"],
      ["over", "expired", "has expired"],
      ["usedup", "used_up", "used the maximum number of times"],
      ["kidsonly", "not_applicable", "doesn't apply to the tickets you chose"],
    ] as const;
    for (const [code, reason, message] of cases) {
      const result = await evaluate(code);
      expect(result, code).toMatchObject({ ok: false, reason });
      expect(!result.ok && result.message).toContain(message);
    }
    expect(await evaluate("once", "Repeat@Example.com")).toMatchObject({ ok: false, reason: "per_user_limit", message: expect.stringContaining("already used") });
    expect(await evaluate("once", "first-time@example.com")).toMatchObject({ ok: true });
  });
});

/** Opens every transaction first and runs `use` only when all are open, so they really overlap. */
async function concurrently<R>(calls: { codeId: string; orderId: string; email: string }[], use: typeof redeemDiscount | typeof holdDiscount) {
  let arrived = 0;
  let release!: () => void;
  const allOpen = new Promise<void>((resolve) => (release = resolve));
  return Promise.all(
    calls.map((call) =>
      concurrent.$transaction(
        async (tx) => {
          await tx.$executeRaw`SELECT 1`;
          if (++arrived === calls.length) release();
          await allOpen;
          return use(tx, { ...call, userId: null }) as Promise<R>;
        },
        { maxWait: 20_000, timeout: 20_000 },
      ),
    ),
  );
}

const tally = (results: (RedeemResult | HoldResult)[]) => results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});

describe("holdDiscount", () => {
  it("holds exactly one use of a single-use code for 50 concurrent checkouts", async () => {
    const { race, manager } = await raceWithManager();
    const code = await createDiscountCode({ raceId: race.id, actorId: manager.id, input: input({ maxRedemptions: 1 }) });
    const orders = await Promise.all(Array.from({ length: 50 }, () => order(race.id)));
    const results = await concurrently<HoldResult>(orders.map((o) => ({ codeId: code.id, orderId: o.id, email: o.buyerEmail })), holdDiscount);
    expect(tally(results)).toEqual({ held: 1, used_up: 49 });
    expect((await db.discountCode.findUniqueOrThrow({ where: { id: code.id } })).redemptionCount).toBe(1);
    expect(await db.discountRedemption.count({ where: { discountCodeId: code.id, redeemedAt: null } })).toBe(1);
  });

  it("makes a held use final on payment without counting it again, and refuses a lost one once the code is used up", async () => {
    const { race, manager } = await raceWithManager();
    const code = await createDiscountCode({ raceId: race.id, actorId: manager.id, input: input({ maxRedemptions: 1 }) });
    const [holder, lost] = await Promise.all([order(race.id), order(race.id)]);
    const use = (o: { id: string; buyerEmail: string }) => ({ codeId: code.id, orderId: o.id, email: o.buyerEmail, userId: null });
    expect((await db.$transaction((tx) => holdDiscount(tx, use(holder)))).status).toBe("held");
    expect((await db.$transaction((tx) => redeemDiscount(tx, use(holder)))).status).toBe("counted");
    expect((await db.$transaction((tx) => redeemDiscount(tx, use(holder)))).status).toBe("already_counted");
    expect((await db.$transaction((tx) => redeemDiscount(tx, use(lost)))).status).toBe("used_up");
    expect((await db.discountCode.findUniqueOrThrow({ where: { id: code.id } })).redemptionCount).toBe(1);
    // A paid use is never given back by a release.
    expect(await db.$transaction((tx) => releaseDiscountHold(tx, holder.id))).toBe(false);
    expect((await db.discountCode.findUniqueOrThrow({ where: { id: code.id } })).redemptionCount).toBe(1);
  });

  it("moves an order's hold to another code, and gives it back once however often it is released", async () => {
    const { race, manager } = await raceWithManager();
    const [first, second] = await Promise.all([
      createDiscountCode({ raceId: race.id, actorId: manager.id, input: input({ maxRedemptions: 5 }) }),
      createDiscountCode({ raceId: race.id, actorId: manager.id, input: input({ maxRedemptions: 5 }) }),
    ]);
    const pending = await order(race.id);
    const uses = async () => (await db.discountCode.findMany({ where: { id: { in: [first.id, second.id] } }, orderBy: { id: "asc" } })).map((c) => [c.id, c.redemptionCount]);
    await db.$transaction((tx) => holdDiscount(tx, { codeId: first.id, orderId: pending.id, email: pending.buyerEmail, userId: null }));
    await db.$transaction((tx) => holdDiscount(tx, { codeId: second.id, orderId: pending.id, email: pending.buyerEmail, userId: null }));
    expect(Object.fromEntries(await uses())).toEqual({ [first.id]: 0, [second.id]: 1 });
    const released = await Promise.all([1, 2, 3].map(() => concurrent.$transaction((tx) => releaseDiscountHold(tx, pending.id))));
    expect(released.filter(Boolean)).toHaveLength(1);
    expect(Object.fromEntries(await uses())).toEqual({ [first.id]: 0, [second.id]: 0 });
  });
});

describe("redeemDiscount", () => {
  const redeemConcurrently = (calls: { codeId: string; orderId: string; email: string }[]) => concurrently<RedeemResult>(calls, redeemDiscount);

  it("counts exactly maxRedemptions of 30 concurrent paid orders", async () => {
    const { race, manager } = await raceWithManager();
    const code = await createDiscountCode({ raceId: race.id, actorId: manager.id, input: input({ maxRedemptions: 10 }) });
    const orders = await Promise.all(Array.from({ length: 30 }, () => order(race.id)));
    const results = await redeemConcurrently(orders.map((o) => ({ codeId: code.id, orderId: o.id, email: o.buyerEmail })));
    expect(tally(results)).toEqual({ counted: 10, used_up: 20 });
    expect((await db.discountCode.findUniqueOrThrow({ where: { id: code.id } })).redemptionCount).toBe(10);
    expect(await db.discountRedemption.count({ where: { discountCodeId: code.id } })).toBe(10);
  });

  it("counts one order once, however many times it is redeemed at the same moment", async () => {
    const { race, manager } = await raceWithManager();
    const code = await createDiscountCode({ raceId: race.id, actorId: manager.id, input: input({ maxRedemptions: 100 }) });
    const paid = await order(race.id);
    const results = await redeemConcurrently(Array.from({ length: 10 }, () => ({ codeId: code.id, orderId: paid.id, email: paid.buyerEmail })));
    expect(tally(results)).toEqual({ counted: 1, already_counted: 9 });
    expect(new Set(results.map((r) => "redemptionId" in r && r.redemptionId)).size).toBe(1);
    expect((await db.discountCode.findUniqueOrThrow({ where: { id: code.id } })).redemptionCount).toBe(1);

    const later = await db.$transaction((tx) => redeemDiscount(tx, { codeId: code.id, orderId: paid.id, email: paid.buyerEmail, userId: null }));
    expect(later.status).toBe("already_counted");
    expect((await db.discountCode.findUniqueOrThrow({ where: { id: code.id } })).redemptionCount).toBe(1);
  });

  it("holds the per-buyer limit under concurrency, whatever the email's case", async () => {
    const { race, manager } = await raceWithManager();
    const code = await createDiscountCode({ raceId: race.id, actorId: manager.id, input: input({ perUserLimit: 2 }) });
    const orders = await Promise.all(Array.from({ length: 10 }, () => order(race.id)));
    const results = await redeemConcurrently(orders.map((o, i) => ({ codeId: code.id, orderId: o.id, email: i % 2 ? "Runner@Example.com" : " runner@example.com" })));
    expect(tally(results)).toEqual({ counted: 2, per_user_limit: 8 });
    expect((await db.discountCode.findUniqueOrThrow({ where: { id: code.id } })).redemptionCount).toBe(2);
    expect(await db.discountRedemption.findMany({ where: { discountCodeId: code.id }, select: { email: true } })).toEqual([
      { email: "runner@example.com" },
      { email: "runner@example.com" },
    ]);
  });

  it("undoes the count when the paying transaction rolls back", async () => {
    const { race, manager } = await raceWithManager();
    const code = await createDiscountCode({ raceId: race.id, actorId: manager.id, input: input({ maxRedemptions: 1 }) });
    const paid = await order(race.id);
    await expect(
      db.$transaction(async (tx) => {
        expect((await redeemDiscount(tx, { codeId: code.id, orderId: paid.id, email: paid.buyerEmail, userId: null })).status).toBe("counted");
        throw new Error("payment failed");
      }),
    ).rejects.toThrow("payment failed");
    expect((await db.discountCode.findUniqueOrThrow({ where: { id: code.id } })).redemptionCount).toBe(0);
    expect(await db.discountRedemption.count({ where: { orderId: paid.id } })).toBe(0);
  });

  it("refuses to run outside a transaction", async () => {
    const { race, manager } = await raceWithManager();
    const code = await createDiscountCode({ raceId: race.id, actorId: manager.id, input: input() });
    const paid = await order(race.id);
    await expect(redeemDiscount(db, { codeId: code.id, orderId: paid.id, email: paid.buyerEmail, userId: null })).rejects.toThrow(/inside an interactive transaction/);
  });
});
