import { createOrganisation, createRace, createTicketType, TEST_PASSWORD } from "../support/factories";
import { expect, test } from "./fixtures";

/** An organisation owner with a race and two ticket types, logged in through the form. */
async function ownerOfRace(page: import("@playwright/test").Page) {
  const { organisation, user } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id);
  await createTicketType(race.id, { name: "10K", priceMinor: 3000 });
  await createTicketType(race.id, { name: "Kids 1K", priceMinor: 800, sortOrder: 1 });
  await page.goto("/login");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).not.toHaveURL(/\/login/);
  return race;
}

test("write a waiver, change it, keep the old version readable, set the guardian age", async ({ page }) => {
  const race = await ownerOfRace(page);
  await page.goto(`/organiser/races/${race.id}/waiver`);
  await expect(page.getByText("There is no waiver yet.")).toBeVisible();

  await page.getByLabel("Title").fill("Entry waiver");
  await page.getByLabel("Waiver text").fill("I take part at my own risk.\nI am fit to run 10 km.");
  await page.getByRole("button", { name: "Save the waiver" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 1" })).toBeVisible();

  await page.getByLabel("Waiver text").fill("I take part at my own risk.\nI am fit to run 10 km.\nPhotos may be taken.");
  await page.getByRole("button", { name: "Save as a new version" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 2" })).toBeVisible();
  await page.getByRole("button", { name: "Save as a new version" }).click();
  await expect(page.getByRole("status").filter({ hasText: "No changes" })).toBeVisible();

  await page.getByLabel("Guardian needed under age").fill("16");
  await page.getByRole("button", { name: "Save guardian age" }).click();
  await expect(page.getByRole("status").filter({ hasText: "participants under 16 on race day need a guardian" })).toBeVisible();

  await page.getByRole("link", { name: "View version 1" }).click();
  await expect(page.getByRole("heading", { name: "Version 1" })).toBeVisible();
  await expect(page.getByText("superseded")).toBeVisible();
  await expect(page.getByText("I am fit to run 10 km.")).toBeVisible();
  await expect(page.getByText("Photos may be taken.")).toBeHidden();
});

test("create a scoped code, see errors next to fields, edit it and deactivate it", async ({ page }) => {
  const race = await ownerOfRace(page);
  await page.goto(`/organiser/races/${race.id}/codes`);
  await expect(page.getByText("No codes yet.")).toBeVisible();

  await page.getByLabel("Code", { exact: true }).fill("early");
  await page.getByLabel("Percent off").fill("150");
  await page.getByRole("button", { name: "Create code" }).click();
  await expect(page.getByLabel("Percent off")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("Enter a whole percentage from 1 to 100")).toBeVisible();

  await page.getByLabel("Percent off").fill("15");
  await page.getByLabel("Only the ticket types ticked below").check();
  await page.getByLabel("Kids 1K").check();
  await page.getByLabel("Maximum uses").fill("50");
  await page.getByRole("button", { name: "Create code" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Code EARLY created." })).toBeVisible();
  await expect(page.getByText("15% off · Kids 1K")).toBeVisible();
  await expect(page.getByText("0 / 50 used")).toBeVisible();

  await page.getByLabel("Code", { exact: true }).fill("Early");
  await page.getByLabel("Percent off").fill("10");
  await page.getByRole("button", { name: "Create code" }).click();
  await expect(page.getByText("This race already has a code EARLY. Choose another code.")).toBeVisible();

  await page.getByRole("link", { name: "Edit EARLY" }).click();
  // The list page has a create form with the same labels: act only once the edit page is showing.
  await expect(page.getByRole("heading", { name: "Edit EARLY" })).toBeVisible();
  await page.getByLabel("A fixed amount (EUR)").check();
  await page.getByLabel("Amount off (EUR)").fill("5.5");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(new RegExp(`/organiser/races/${race.id}/codes$`));
  await expect(page.getByText("€5.50 off per order · Kids 1K")).toBeVisible();

  await page.getByRole("button", { name: "Deactivate EARLY" }).click();
  await expect(page.getByRole("status").filter({ hasText: "EARLY deactivated." })).toBeVisible();
  await expect(page.getByRole("button", { name: "Reactivate EARLY" })).toBeVisible();
});
