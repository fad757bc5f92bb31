import type { Locator, Page } from "@playwright/test";
import { channels } from "~/realtime/channels";
import { publish } from "~/realtime/pubsub.server";
import { admitNext, joinQueue } from "~/services/queue.server";
import { announceSale } from "~/services/race-stats.server";
import { db } from "~/utils/db.server";
import { createOrganisation, createParticipant, createRace, createTicketType, createUser } from "../support/factories";
import { expect, logIn, test, uniqueEmail } from "./fixtures";

test.afterAll(async () => {
  await db.$disconnect();
});

/**
 * Moves the focus with Tab (Shift+Tab when `backwards`) until `target` has it, as a keyboard user would; fails when
 * it cannot be reached in `limit` presses.
 */
async function tabTo(page: Page, target: Locator, { limit = 60, backwards = false } = {}) {
  for (let presses = 0; presses < limit; presses += 1) {
    if (await target.evaluate((element) => element === document.activeElement).catch(() => false)) return;
    await page.keyboard.press(backwards ? "Shift+Tab" : "Tab");
  }
  await expect(target, `reachable by Tab within ${limit} presses`).toBeFocused();
}


test("a person signs up and registers for a race with the keyboard alone, and hears the order confirmed", async ({ page }) => {
  test.setTimeout(240_000);
  const { organisation } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id, { status: "PUBLISHED", name: `Keyboard 5K ${Date.now().toString(36)}`, standardFields: [] });
  await createTicketType(race.id, { name: "5K", priceMinor: 1500, capacity: 30 });
  await db.waiverVersion.create({ data: { raceId: race.id, version: 1, title: "Waiver", text: "I run at my own risk.", contentHash: "kbd" } });

  await page.goto("/signup");
  await tabTo(page, page.getByLabel("Full name"));
  await page.keyboard.type("Kay Board");
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Email")).toBeFocused();
  await page.keyboard.type(uniqueEmail("keyboard"));
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Password")).toBeFocused();
  await page.keyboard.type("correct-horse-battery");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: "Log out", includeHidden: true })).toBeAttached();

  await page.goto(`/races/${race.slug}`);
  await tabTo(page, page.getByLabel("5K tickets"));
  await page.keyboard.press("ArrowDown");
  await expect(page.getByLabel("5K tickets")).toHaveValue("1");
  await tabTo(page, page.getByRole("button", { name: "Register" }));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/checkout\//, { timeout: 30_000 });

  const form = page.getByRole("form", { name: "Participant 1: 5K" });
  await tabTo(page, form.getByRole("button", { name: "Use my details" }));
  await page.keyboard.press("Enter");
  await expect(form.getByLabel("First name")).toHaveValue("Kay");
  await tabTo(page, form.getByLabel("Type the participant's full name to sign"));
  await page.keyboard.type("Kay Board");
  await tabTo(page, form.getByRole("button", { name: "Save participant 1" }));
  await page.keyboard.press("Enter");
  await expect(form.getByText("Saved and signed")).toBeVisible();

  await tabTo(page, page.getByRole("button", { name: "Pay €15.00" }));
  await page.keyboard.press("Enter");
  await tabTo(page, page.getByRole("button", { name: "Pay €15.00 (demo)" }));
  await page.keyboard.press("Enter");
  const status = page.getByRole("status", { name: "Order status" });
  await expect(status).toHaveAttribute("aria-live", "polite");
  await expect(status).toContainText("Confirmed");
});

test("live regions announce places left, an order confirmed and a queue position as they change", async ({ browser, baseURL, page }) => {
  test.setTimeout(240_000);
  const { organisation, user: organiser } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id, { status: "PUBLISHED", name: `Live Region Run ${Date.now().toString(36)}`, standardFields: [] });
  const type = await createTicketType(race.id, { name: "10K", priceMinor: 3000, capacity: 5 });

  // Places left: another sale happens while the page is open.
  await page.goto(`/races/${race.slug}`);
  const places = page.getByRole("status", { name: "10K places" });
  await expect(places).toHaveAttribute("aria-live", "polite");
  await expect(places).toHaveText("5 places left");
  await expect(page.getByTestId("availability-link")).toHaveText("Places update live");
  await createParticipant(race.id, type.id);
  await announceSale(race.id);
  await expect(places).toHaveText("4 places left");

  // Order confirmed: the buyer's pending order is paid while its page is open.
  const buyer = await createUser({ name: "Lee Live" });
  const order = await db.order.create({
    data: { raceId: race.id, buyerId: buyer.id, buyerEmail: buyer.email, buyerName: buyer.name, currency: "EUR", subtotalMinor: 3000, totalMinor: 3000, holdExpiresAt: new Date(Date.now() + 600_000) },
  });
  await db.ticket.create({ data: { orderId: order.id, raceId: race.id, ticketTypeId: type.id, priceMinor: 3000, qrToken: `qr-live-${order.id}` } });
  await logIn(page, buyer.email);
  await page.goto(`/orders/${order.id}`);
  const orderStatus = page.getByRole("status", { name: "Order status" });
  await expect(orderStatus).toHaveAttribute("aria-live", "polite");
  await expect(page.getByTestId("order-status")).not.toHaveText("Confirmed");
  await expect(page.getByTestId("order-link")).toHaveText("Live");
  await db.order.update({ where: { id: order.id }, data: { status: "PAID", paidAt: new Date() } });
  await db.ticket.updateMany({ where: { orderId: order.id }, data: { status: "ISSUED" } });
  await publish(channels.order(order.id), { type: "order.changed", at: new Date().toISOString() });
  await expect(orderStatus).toContainText("Confirmed");

  // Queue position: the person ahead is admitted, and the one behind hears they are next.
  const queueRace = await createRace(organisation.id, { status: "PUBLISHED", name: `Live Queue Run ${Date.now().toString(36)}`, standardFields: [] });
  await createTicketType(queueRace.id, { name: "Marathon", capacity: 50 });
  await db.raceQueue.create({ data: { raceId: queueRace.id, enabled: true, opensAt: new Date(Date.now() - 60_000) } });
  const first = await createUser({ name: "Fran First" });
  const second = await createUser({ name: "Sam Second" });
  await joinQueue({ raceId: queueRace.id, userId: first.id });
  await joinQueue({ raceId: queueRace.id, userId: second.id });
  const waiting = await (await browser.newContext({ baseURL })).newPage();
  await logIn(waiting, second.email);
  await waiting.goto(`/races/${queueRace.slug}/queue`);
  const position = waiting.getByTestId("queue-position");
  await expect(position).toHaveText("1 person ahead of you");
  await expect(waiting.locator("[aria-live=polite]").filter({ has: position })).toHaveCount(1);
  await expect(waiting.getByTestId("queue-link")).toHaveText("Updating live");
  await admitNext({ raceId: queueRace.id, actorId: organiser.id, count: 1 });
  await expect(position).toHaveText("You're next");
  await waiting.context().close();
});
