import { db } from "~/utils/db.server";
import { createOrganisation, createParticipant, createRace, createTicketType, TEST_PASSWORD } from "../support/factories";
import { expect, test } from "./fixtures";

test.afterAll(async () => {
  await db.$disconnect();
});

test("check a runner in on a phone by typing the bib; a second desk sees the count live", async ({ page, context }) => {
  const { organisation, user } = await createOrganisation("OWNER");
  await db.user.update({ where: { id: user.id }, data: { name: "Dara Desk" } });
  const race = await createRace(organisation.id, { name: "Bay Run" });
  const type = await createTicketType(race.id, { name: "5K" });
  await createParticipant(race.id, type.id, { firstName: "Rory", lastName: "Quinn", dateOfBirth: new Date("1985-02-02") }, 314);
  await createParticipant(race.id, type.id, { firstName: "Saoirse", lastName: "Lynch" }, 315);

  await page.goto("/login");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).not.toHaveURL(/\/login/);

  const checkinUrl = `/organiser/races/${race.id}/checkin`;
  const otherDesk = await context.newPage();
  await otherDesk.goto(checkinUrl);
  const otherCount = otherDesk.getByRole("group", { name: "Check-in count" });
  await expect(otherCount).toContainText("0 of 2 checked in");
  await expect(otherCount.getByText("Live", { exact: true })).toBeVisible();

  await page.goto(checkinUrl);
  const code = page.getByLabel("Ticket code or bib number");
  await expect(code).toBeFocused();
  await code.fill("314");
  await page.getByRole("button", { name: "Find" }).click();
  await expect(page.getByRole("heading", { name: "Rory Quinn" })).toBeVisible();
  await expect(page.getByText("Adult")).toBeVisible();
  await page.getByRole("button", { name: "Check in Rory Quinn" }).click();

  await expect(page.getByRole("status").filter({ hasText: "Checked in: Rory Quinn, bib 314." })).toBeVisible();
  await expect(code).toHaveValue("");
  await expect(code).toBeFocused();
  await expect(otherCount).toContainText("1 of 2 checked in");

  await code.fill("314");
  await page.getByRole("button", { name: "Find" }).click();
  await expect(page.getByRole("alert").filter({ hasText: /Already checked in at \d\d:\d\d by Dara Desk\./ })).toBeVisible();
  await expect(page.getByRole("button", { name: "Check in Rory Quinn" })).toHaveCount(0);
});
