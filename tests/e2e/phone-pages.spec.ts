import type { Locator } from "@playwright/test";
import { db } from "~/utils/db.server";
import { createOrganisation, createRace, createTicketType, createUser, TEST_PASSWORD } from "../support/factories";
import { expect, test } from "./fixtures";

// The phone the issue names: 390 px wide.
test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

async function openRace(description = "A flat course along the harbour.") {
  const { organisation } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id, { status: "PUBLISHED", name: `Pier Run ${Date.now().toString(36)}`, description });
  await createTicketType(race.id, { name: "10K", priceMinor: 3000, capacity: 50 });
  return race;
}

async function logIn(page: import("@playwright/test").Page, email: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

async function overlaps(a: Locator, b: Locator) {
  const [boxA, boxB] = [await a.boundingBox(), await b.boundingBox()];
  if (!boxA || !boxB) throw new Error("element not laid out");
  return boxA.x < boxB.x + boxB.width && boxB.x < boxA.x + boxA.width && boxA.y < boxB.y + boxB.height && boxB.y < boxA.y + boxA.height;
}

test("toasts stack at most three, keep clear of Register, hide themselves after a few seconds and keep errors until closed", async ({ page }) => {
  const race = await openRace();
  const buyer = await createUser();
  const expiresAt = new Date(Date.now() + 3600_000);
  const notes = [
    { kind: "payment.refund_failed", title: "Refund failed", body: "We could not refund your payment; we will try again." },
    { kind: "order.paid", title: "Payment confirmed", body: "Your places for the Harbour 10K are confirmed." },
    { kind: "ticket.assigned", title: "Ticket assigned", body: "You have a ticket for the Harbour 10K." },
    { kind: "room.joined", title: "Someone joined your room", body: "Ann joined the Harbour Harriers room." },
  ];
  // Oldest first, so the last one is the newest and shows on top.
  for (const [index, note] of notes.entries()) {
    await db.notification.create({
      data: { userId: buyer.id, ...note, dedupeKey: `e2e-${buyer.id}-${index}`, expiresAt, createdAt: new Date(Date.now() - (notes.length - index) * 1000) },
    });
  }

  await logIn(page, buyer.email);
  await page.clock.install();
  await page.goto(`/races/${race.slug}`);
  const toasts = page.getByTestId("toasts").getByRole("status");
  await expect(toasts).toHaveCount(3);
  await expect(toasts.filter({ hasText: "Someone joined your room" })).toBeVisible();
  await expect(toasts.filter({ hasText: "Refund failed" })).toBeHidden();

  const register = page.getByRole("button", { name: "Register" });
  await expect(register).toBeInViewport();
  const menu = page.getByRole("button", { name: "Menu" });
  for (const toast of await toasts.all()) {
    expect(await overlaps(toast, register), "a toast covers the Register button").toBe(false);
    expect(await overlaps(toast, menu), "a toast covers the Menu button").toBe(false);
  }

  // News hides itself; the oldest, an error, then shows and stays until closed.
  await page.clock.fastForward(7_000);
  await expect(toasts).toHaveCount(1);
  await expect(toasts).toContainText("Refund failed");
  await page.clock.fastForward(60_000);
  await expect(toasts).toHaveCount(1);
  await page.getByRole("button", { name: "Dismiss: Refund failed" }).click();
  await expect(toasts).toHaveCount(0);

  // The news that hid itself is still on the notifications page.
  await page.goto("/notifications");
  await expect(page.getByText("Payment confirmed")).toBeVisible();
});

test("on a phone the signed-in header is one row; its Menu button opens the links and Escape closes them", async ({ page }) => {
  const user = await createUser({ name: "Mona Menu" });
  await logIn(page, user.email);
  await page.goto("/tickets");

  const menu = page.getByRole("button", { name: "Menu" });
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  const logo = page.getByRole("link", { name: "Startline", exact: true });
  const [logoBox, menuBox] = [await logo.boundingBox(), await menu.boundingBox()];
  // One row: the Menu button sits beside the name, and the header ends well above the fold.
  expect(Math.abs(logoBox!.y + logoBox!.height / 2 - (menuBox!.y + menuBox!.height / 2))).toBeLessThan(8);
  const header = await page.getByRole("banner").boundingBox();
  expect(header!.height).toBeLessThan(110);
  await expect(page.getByRole("link", { name: "My tickets" })).toBeHidden();

  // Keyboard only: focus the button, open with Enter, Tab into the links, Escape closes and gives focus back.
  await menu.focus();
  await page.keyboard.press("Enter");
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(page.getByRole("link", { name: "My tickets" })).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Races", exact: true })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(page.getByRole("link", { name: "My tickets" })).toBeHidden();
  await expect(menu).toBeFocused();

  // Following a link closes the menu on the next page.
  await menu.click();
  await page.getByRole("link", { name: "Organise", exact: true }).click();
  await expect(page).toHaveURL(/\/organiser/);
  await expect(menu).toHaveAttribute("aria-expanded", "false");
});

test("on a phone the race page shows prices and the Register button before the long description", async ({ page }) => {
  const longDescription = Array.from({ length: 12 }, (_, i) => `Paragraph ${i + 1}: the course loops the harbour twice, past the lighthouse and the baths.`).join("\n\n");
  const race = await openRace(longDescription);
  await page.goto(`/races/${race.slug}`);

  await expect(page.getByText("€30.00")).toBeInViewport();
  await expect(page.getByRole("button", { name: "Register" })).toBeInViewport();
  const tickets = await page.getByRole("heading", { name: "Tickets" }).boundingBox();
  const description = await page.getByText("Paragraph 1:").boundingBox();
  expect(tickets!.y).toBeLessThan(description!.y);
});

test("organiser pages on a phone: tabs scroll in their own row, a past race date warns, an early-bird price shows the regular one", async ({ page }) => {
  const { organisation, user: organiser } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id, { status: "PUBLISHED", name: `Tide Trail ${Date.now().toString(36)}` });
  const ticketType = await createTicketType(race.id, { name: "Half", priceMinor: 4000, capacity: 50 });
  await db.priceTier.create({ data: { ticketTypeId: ticketType.id, label: "Early bird", priceMinor: 3000, endsAt: new Date(Date.now() + 7 * 24 * 3600_000) } });

  await page.goto(`/races/${race.slug}`);
  await expect(page.getByTestId("regular-price-Half")).toHaveText("Regular price €40.00");
  await expect(page.getByText("€30.00")).toBeVisible();

  await logIn(page, organiser.email);
  await page.goto(`/organiser/races/${race.id}/checkin`);
  const tabs = page.getByRole("navigation", { name: "Race sections" });
  await expect(tabs.getByRole("link", { name: "Check-in" })).toBeInViewport();
  expect(await tabs.evaluate((nav) => nav.scrollWidth > nav.clientWidth), "the tabs scroll sideways").toBe(true);
  expect(await page.evaluate(() => document.documentElement.scrollWidth), "the page itself does not scroll sideways").toBeLessThanOrEqual(390);

  await tabs.getByRole("link", { name: "Details" }).click();
  const startsAt = page.getByLabel("Start date and time");
  await startsAt.fill("2020-05-01T09:00");
  await expect(page.getByText("This date is in the past")).toBeVisible();
  await expect(startsAt).toHaveAccessibleDescription(/This date is in the past/);
  await startsAt.fill(`${new Date().getUTCFullYear() + 1}-05-01T09:00`);
  await expect(page.getByText("This date is in the past")).toBeHidden();
});
