import { grantCredits } from "~/services/credits.server";
import { db } from "~/utils/db.server";
import { createOrganisation, createRace, TEST_PASSWORD } from "../support/factories";
import { expect, test } from "./fixtures";

test.afterAll(async () => {
  await db.$disconnect();
});

test("an organiser with credits drafts a race description with AI, watches it stream in and puts it into the editor", async ({ page }) => {
  const { organisation, user } = await createOrganisation("MANAGER");
  const race = await createRace(organisation.id, { name: "Cliff Path 10K", description: "" });
  await grantCredits({ userId: user.id, amount: 20, description: "Test credits", idempotencyKey: `e2e-grant-${user.id}` });

  await page.goto("/login");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).not.toHaveURL(/\/login/);

  await page.goto(`/organiser/races/${race.id}/edit`);
  await expect(page.getByRole("heading", { name: "Draft with AI" })).toBeVisible();
  await page.getByLabel("Bullet points").fill("- coastal cliff path\n- water at 5 km");
  await page.getByRole("button", { name: "Draft description (5 credits)" }).click();

  const draft = page.getByLabel("AI draft");
  await expect(page.getByText("writing…")).toBeVisible();
  const partial = (await draft.textContent()) ?? "";
  await expect(draft).toContainText("See you at the start line!");
  const full = ((await draft.textContent()) ?? "").trim();
  expect(full.length).toBeGreaterThan(partial.replace("…", "").length);
  expect(full).toContain("coastal cliff path");
  await expect(page.getByText("done", { exact: true })).toBeVisible();
  await expect(page.getByLabel("Credit balance: 15")).toBeVisible();

  await page.getByRole("button", { name: "Use this draft as the description" }).click();
  await expect(page.getByLabel("Description")).toHaveValue(full);
  await page.getByRole("button", { name: "Save details" }).click();
  await expect(page).toHaveURL(new RegExp(`/organiser/races/${race.id}$`));
  await expect.poll(async () => (await db.race.findUniqueOrThrow({ where: { id: race.id } })).description).toBe(full);
});
