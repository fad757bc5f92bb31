import { releaseOrder } from "~/services/hold-releases.server";
import { reservePlaces } from "~/services/reservations.server";
import { db } from "~/utils/db.server";
import { createOrganisation, createRace, createTicketType, createUser } from "../support/factories";
import { expect, signInAs, test } from "./fixtures";

test.afterAll(async () => {
  await db.$disconnect();
});

test("a sold-out distance's waiting list: two buyers join, a freed place is offered live to the first, the organiser offers one by hand to the second", async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const { organisation, user: organiser } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id, { name: `Lakeside Relay ${Math.random().toString(36).slice(2, 6)}`, status: "PUBLISHED", standardFields: [] });
  const type = await createTicketType(race.id, { name: "5K", priceMinor: 2000, capacity: 1 });
  await db.waiverVersion.create({ data: { raceId: race.id, version: 1, title: "Waiver", text: "I run at my own risk.", contentHash: "h" } });
  // Someone else holds the only place.
  const holder = await createUser();
  const held = await reservePlaces({ raceId: race.id, buyer: { id: holder.id, email: holder.email, name: holder.name }, lines: [{ ticketTypeId: type.id, quantity: 1 }] });

  const [first, second] = await Promise.all(["Dana", "Eli"].map((name) => createUser({ name: `${name} ${Math.random().toString(36).slice(2, 6)}` })));
  const firstPage = await signInAs(browser, baseURL, first!.email);
  const secondPage = await signInAs(browser, baseURL, second!.email);
  for (const page of [firstPage, secondPage]) {
    await page.goto(`/races/${race.slug}`);
    await page.getByRole("button", { name: "Join the 5K waiting list" }).click();
  }
  await expect(firstPage.getByTestId("waitlist-5K")).toContainText("You're first on the waiting list.");
  await expect(secondPage.getByTestId("waitlist-5K")).toContainText("1 person ahead of you");
  // Joining twice is refused by the page's state: the button is gone.
  await expect(firstPage.getByRole("button", { name: "Join the 5K waiting list" })).toHaveCount(0);

  const console = await signInAs(browser, baseURL, organiser.email);
  await console.goto(`/organiser/races/${race.id}/waitlist`);
  await expect(console.getByRole("listitem").filter({ hasText: first!.name })).toContainText("Waiting");
  await expect(console.getByRole("listitem").filter({ hasText: second!.name })).toContainText("Waiting");

  // The hold runs out (what the hold-expiry job does): the place is offered to the first in line, told live.
  await releaseOrder(held.id, "EXPIRED");
  await expect(firstPage.getByText(`A place in ${race.name} is yours to claim`)).toBeVisible({ timeout: 10_000 });
  await firstPage.reload();
  await expect(firstPage.getByTestId("waitlist-5K")).toContainText("A place is held for you until");
  await firstPage.getByRole("button", { name: "Claim your 5K place" }).click();
  await expect(firstPage).toHaveURL(/\/checkout\//);

  // The organiser offers the second person a place by hand, adding one since none is free.
  await console.reload();
  const row = console.getByRole("listitem").filter({ hasText: second!.name });
  await row.getByLabel("add a place if none is free").check();
  await row.getByRole("button", { name: `Offer a place to ${second!.name}` }).click();
  await expect(console.getByText("Place offered: it is held for them, and they have been emailed.")).toBeVisible();
  await expect(secondPage.getByText(`A place in ${race.name} is yours to claim`)).toBeVisible({ timeout: 10_000 });
  expect(await db.emailMessage.count({ where: { to: { in: [first!.email, second!.email] }, kind: "waitlist_offer" } })).toBe(2);
});
