import type { Browser } from "@playwright/test";
import { ticketQrCid } from "~/emails/order-confirmed";
import { ticketQrPng } from "~/services/tickets.server";
import { db } from "~/utils/db.server";
import { createOrganisation, createParticipant, createRace, createTicketType, createUser } from "../support/factories";
import { expect, logIn, test } from "./fixtures";

test.afterAll(async () => {
  await db.$disconnect();
});


async function personIn(browser: Browser, baseURL: string | undefined, name: string) {
  const user = await createUser({ name });
  const page = await (await browser.newContext({ baseURL })).newPage();
  await logIn(page, user.email);
  return { user, page };
}

test("a race description keeps its paragraphs and bullet list, and its scripts do not run", async ({ page }) => {
  const { organisation } = await createOrganisation("OWNER");
  const description = [
    "A flat course along the harbour.",
    "",
    "What you get:",
    "",
    "- chip timing",
    "- a medal for every finisher",
    "",
    'Bring water. <img src="x" onerror="document.title=\'hacked\'"><script>document.title="hacked"</script>',
  ].join("\n");
  const race = await createRace(organisation.id, { status: "PUBLISHED", name: `Markdown Mile ${Date.now().toString(36)}`, description });
  await createTicketType(race.id);
  await page.goto(`/races/${race.slug}`);

  const list = page.getByRole("list").filter({ hasText: "chip timing" });
  await expect(list.getByRole("listitem")).toHaveText(["chip timing", "a medal for every finisher"]);
  // Tailwind's reset hides list markers: the description shows bullets, not two run-together lines.
  expect(await list.evaluate((element) => getComputedStyle(element).listStyleType)).toBe("disc");
  const first = page.getByText("A flat course along the harbour.");
  const second = page.getByText("What you get:");
  const [firstBox, secondBox] = [await first.boundingBox(), await second.boundingBox()];
  expect(secondBox!.y - (firstBox!.y + firstBox!.height), "space between paragraphs").toBeGreaterThan(4);
  await expect(page.getByText("Bring water.")).toBeVisible();
  expect(await page.title()).not.toBe("hacked");
});

test("the outbox preview shows the QR codes an email carries as inline attachments", async ({ page }) => {
  const png = await ticketQrPng("qr-outbox-preview");
  const to = `qr-${Date.now().toString(36)}@example.com`;
  const email = await db.emailMessage.create({
    data: {
      kind: "order_confirmed",
      to,
      subject: "Your tickets for the QR Run",
      text: "Your tickets",
      html: `<p>Your ticket</p><img src="cid:${ticketQrCid("t-preview")}" width="160" height="160" alt="QR code for Ann Runner">`,
      attachments: [{ filename: "ticket-1.png", contentType: "image/png", cid: ticketQrCid("t-preview"), base64: png.toString("base64") }],
      status: "SENT",
      sentAt: new Date(),
    },
  });
  await page.goto(`/dev/outbox/${email.id}`);
  const qr = page.frameLocator('iframe[title="Email preview"]').getByRole("img", { name: "QR code for Ann Runner" });
  await expect(qr).toBeVisible();
  // Loaded, not a broken-image icon: the browser decoded the PNG.
  await expect.poll(() => qr.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth)).toBeGreaterThan(0);
});

test("a removed member is told live, again on a later visit, cannot rejoin until invited back, and the room links to registering", async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const { organisation } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id, { name: `Removal Run ${Date.now().toString(36)}`, status: "PUBLISHED", standardFields: [] });
  await createTicketType(race.id, { name: "5K", priceMinor: 1500, capacity: 20 });
  const suffix = Math.random().toString(36).slice(2, 6);
  const owner = await personIn(browser, baseURL, `Orla ${suffix}`);
  const member = await personIn(browser, baseURL, `Mick ${suffix}`);

  await owner.page.goto(`/races/${race.slug}/rooms`);
  await owner.page.getByLabel("Room name").fill("Pier Pacers");
  await owner.page.getByLabel("Maximum members").fill("4");
  await owner.page.getByRole("button", { name: "Create room" }).click();
  await expect(owner.page.getByRole("heading", { name: "Pier Pacers" })).toBeVisible();
  const code = (await owner.page.getByTestId("room-code").textContent())!.trim();

  await member.page.goto(`/rooms/join/${code}`);
  await member.page.getByRole("button", { name: "Join Pier Pacers" }).click();
  await expect(member.page).toHaveURL(/\/rooms\/[^/]+$/);
  await expect(member.page.getByRole("main").getByText("Live", { exact: true })).toBeVisible();
  // The room leads to registering for its race.
  await expect(member.page.getByRole("link", { name: `Register for ${race.name}` })).toHaveAttribute("href", `/races/${race.slug}`);

  await owner.page.getByRole("button", { name: `Remove Mick ${suffix}` }).click();
  // The member's open page changes by itself.
  await expect(member.page.getByRole("heading", { name: "You were removed from Pier Pacers" })).toBeVisible();
  await expect(member.page.getByRole("link", { name: `Register for ${race.name}` })).toBeVisible();

  // Later visits say the same, and the join link refuses them.
  await member.page.reload();
  await expect(member.page.getByRole("heading", { name: "You were removed from Pier Pacers" })).toBeVisible();
  await member.page.goto(`/rooms/join/${code}`);
  await expect(member.page.getByRole("alert")).toContainText("You were removed from this room");
  await expect(member.page.getByRole("button", { name: "Join Pier Pacers" })).toHaveCount(0);

  // The owner invites them back; then the link lets them in again.
  const removed = owner.page.getByRole("list", { name: "Removed people" });
  await expect(removed.getByText(`Mick ${suffix}`, { exact: true })).toBeVisible();
  await owner.page.getByRole("button", { name: `Invite Mick ${suffix} back` }).click();
  await expect(removed).toHaveCount(0);
  await member.page.reload();
  await member.page.getByRole("button", { name: "Join Pier Pacers" }).click();
  await expect(member.page).toHaveURL(/\/rooms\/[^/]+$/);
  await expect(owner.page.getByRole("list", { name: "Members" }).getByText(`Mick ${suffix}`, { exact: true })).toBeVisible();

  await owner.page.context().close();
  await member.page.context().close();
});

test("one day of sales is drawn as a bar, not a block filling the chart", async ({ page }) => {
  const { organisation, user } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id, { status: "PUBLISHED", name: `One Day Dash ${Date.now().toString(36)}` });
  const type = await createTicketType(race.id);
  await createParticipant(race.id, type.id);
  await createParticipant(race.id, type.id);
  await logIn(page, user.email);
  await page.goto(`/organiser/races/${race.id}/dashboard`);
  const chart = page.getByRole("img", { name: /Tickets sold per day/ });
  await expect(chart).toBeVisible();
  const bars = page.getByTestId("sales-bar");
  await expect(bars).toHaveCount(1);
  const [chartBox, barBox] = [await chart.boundingBox(), await bars.boundingBox()];
  expect(barBox!.width / chartBox!.width, "the bar's share of the chart's width").toBeLessThan(0.1);
});
