import { expect, openSiteMenu, test, uniqueEmail } from "./fixtures";

test("an organiser cancels a race with paid entries and watches every order get refunded", async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto("/signup");
  await page.getByLabel("Full name").fill("Orla Organiser");
  await page.getByLabel("Email").fill(uniqueEmail("organiser"));
  await page.getByLabel("Password").fill("correct-horse-battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await openSiteMenu(page);
  await page.getByRole("link", { name: "Organise", exact: true }).click();
  await page.getByLabel("Organisation name").fill("Riverside Runners");
  await page.getByRole("button", { name: "Create organisation" }).click();
  // The demo race comes with 24 paid entries (8 × €20, 8 × €30, 8 × €45).
  await page.getByRole("button", { name: "Create demo race" }).click();
  await expect(page.getByRole("heading", { name: "Riverside Half Marathon" })).toBeVisible();

  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "Cancel race" }).click();
  await expect(page.getByRole("heading", { name: "Refunds to buyers" })).toBeVisible();
  const progress = page.getByRole("progressbar", { name: /paid orders refunded/ });
  await expect(progress).toBeVisible();
  // The refund jobs finish in the worker; the page follows them live.
  await expect(page.getByText("24 of 24 paid orders refunded (€760.00)", { exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(progress).toHaveAttribute("value", "24");
  await expect(page.getByRole("button", { name: "Cancel race" })).toHaveCount(0);
});
