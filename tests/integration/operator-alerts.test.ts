import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { raiseAlert } from "~/services/alerts.server";
import { db } from "~/utils/db.server";
import { redis } from "~/utils/redis.server";
import { createOrganisation, createUser } from "../support/factories";
import { Client, openEventStream } from "../support/http";
import { startWeb } from "../support/processes";
import { loggedIn } from "../support/session";

let web: Awaited<ReturnType<typeof startWeb>>;

beforeAll(async () => {
  web = await startWeb();
});
afterAll(async () => {
  await web?.stop();
  await redis.quit();
  await db.$disconnect();
});

const page = async (response: Response) => (await response.text()).replaceAll("<!-- -->", "");

async function alert(message = `Payment refused ${Math.random().toString(36).slice(2, 8)}`) {
  const { alert } = await raiseAlert({ kind: "payment.rejected", severity: "CRITICAL", message, context: { orderId: "order_123", amountPaidMinor: 6000 } });
  return alert;
}

describe("operator alerts", () => {
  it("pushes a raised alert live to every operator, once however often it is raised", async () => {
    const operator = await createUser({ role: "OPERATOR" });
    const client = await loggedIn(web.url, operator.email);
    const feed = await openEventStream(client, "/account/live");
    await feed.next((e) => e.event === "snapshot");

    const input = { kind: "payment.rejected", severity: "WARNING" as const, message: "A stale session was paid and refunded.", dedupeKey: `test-${operator.id}` };
    const [first, again] = [await raiseAlert(input), await raiseAlert(input)];
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, alert: { id: first.alert.id } });
    const delta = await feed.next((e) => e.event === "delta" && (e.data as { notification?: { body: string } }).notification?.body === input.message);
    expect(delta.data).toMatchObject({ type: "notification", notification: { kind: "operator.alert", href: "/operator/alerts" } });
    await feed.close();
    expect(await db.notification.count({ where: { userId: operator.id, kind: "operator.alert", body: input.message } })).toBe(1);
    expect(await db.operatorAlert.count({ where: { dedupeKey: input.dedupeKey } })).toBe(1);
  });

  it("lists alerts for operators only; everyone else, signed in or not, gets a 404", async () => {
    const raised = await alert();
    const operator = await loggedIn(web.url, (await createUser({ role: "OPERATOR" })).email);
    const list = await page(await operator.request("/operator/alerts"));
    expect(list).toContain(raised.message);
    expect(list).toContain("amountPaidMinor");
    expect(await page(await operator.request("/account"))).toContain('href="/operator/alerts"');

    const buyer = await loggedIn(web.url, (await createUser()).email);
    const { user: organiser } = await createOrganisation();
    const others = [new Client(web.url), buyer, await loggedIn(web.url, organiser.email)];
    for (const other of others) {
      expect((await other.request("/operator/alerts")).status).toBe(404);
      expect((await other.post("/operator/alerts", { alertId: raised.id, note: "Looked at it" })).status).toBe(404);
    }
    expect(await page(await buyer.request("/account"))).not.toContain("/operator/alerts");
    expect((await db.operatorAlert.findUniqueOrThrow({ where: { id: raised.id } })).resolvedAt).toBeNull();
  });

  it("resolves an alert with the operator's note, once, and only from the app's own pages", async () => {
    const raised = await alert();
    const user = await createUser({ role: "OPERATOR", name: "Olive Operator" });
    const operator = await loggedIn(web.url, user.email);

    const crossSite = await operator.post("/operator/alerts", { alertId: raised.id, note: "Refund confirmed in Stripe" }, { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" });
    expect(crossSite.status).toBe(403);
    const empty = await operator.post("/operator/alerts", { alertId: raised.id, note: " " });
    expect(empty.status).toBe(400);
    expect(await page(empty)).toContain("Say what was done about it.");
    expect((await db.operatorAlert.findUniqueOrThrow({ where: { id: raised.id } })).resolvedAt).toBeNull();

    const resolved = await operator.post("/operator/alerts", { alertId: raised.id, note: "Refund confirmed in Stripe" });
    expect(resolved.status).toBe(200);
    expect(await page(resolved)).toContain("Alert resolved.");
    expect(await db.operatorAlert.findUniqueOrThrow({ where: { id: raised.id } })).toMatchObject({ resolvedById: user.id, resolution: "Refund confirmed in Stripe", resolvedAt: expect.any(Date) });
    expect((await operator.post("/operator/alerts", { alertId: raised.id, note: "Again" })).status).toBe(409);

    expect(await page(await operator.request("/operator/alerts"))).not.toContain(raised.message);
    const history = await page(await operator.request("/operator/alerts?show=resolved"));
    expect(history).toContain(raised.message);
    expect(history).toContain("Resolved by Olive Operator");
    expect(history).toContain("Refund confirmed in Stripe");
  });

  it("pages the list twenty at a time, newest first", async () => {
    const operator = await loggedIn(web.url, (await createUser({ role: "OPERATOR" })).email);
    await db.operatorAlert.updateMany({ where: { resolvedAt: null }, data: { resolvedAt: new Date(), resolution: "cleared for this test" } });
    const messages = [];
    for (let i = 0; i < 21; i++) messages.push((await alert(`Paging alert number ${String(i).padStart(2, "0")}`)).message);
    const first = await page(await operator.request("/operator/alerts"));
    expect(first).toContain("21 open alerts");
    expect(first).toContain(messages[20]);
    expect(first).not.toContain(messages[0]);
    expect(first).toContain("Page 1 of 2");
    const second = await page(await operator.request("/operator/alerts?show=open&page=2"));
    expect(second).toContain(messages[0]);
    expect(second).not.toContain(messages[20]);
  });
});
