import { expect, test, uniqueEmail } from "./fixtures";

test("a user buys a credit pack in demo payment mode and both tabs' header balance goes up live", async ({ page, context }) => {
  test.setTimeout(60_000);
  await page.goto("/signup");
  await page.getByLabel("Full name").fill("Cora Credits");
  await page.getByLabel("Email").fill(uniqueEmail("credits"));
  await page.getByLabel("Password").fill("correct-horse-battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("button", { name: "Log out", includeHidden: true })).toBeAttached();

  // A second tab stays on another page the whole time: only the live feed can change its balance.
  const secondTab = await context.newPage();
  await secondTab.goto("/races");
  await expect(secondTab.getByTestId("live-status")).toHaveText("Live");
  await expect(secondTab.getByLabel("Credit balance: 0")).toBeVisible();

  await page.getByLabel("Credit balance: 0").click();
  await expect(page).toHaveURL(/\/billing$/);
  await expect(page.getByRole("heading", { name: "Credits and billing" })).toBeVisible();
  await expect(page.getByTestId("billing-balance")).toHaveText("0 credits");
  await expect(page.getByText("No purchases yet.")).toBeVisible();

  await page.getByRole("button", { name: "Buy 50 credits" }).click();
  await expect(page).toHaveURL(/\/billing\/packs\/[^/]+\/demo-pay$/);
  await expect(page.getByText("Demo payment: no money moves.")).toBeVisible();
  await page.getByRole("button", { name: "Pay €5.00 (demo)" }).click();

  await expect(page).toHaveURL(/\/billing\?purchase=/);
  await expect(page.getByText("Your credits appear here as soon as the payment is confirmed.")).toBeVisible();
  await expect(secondTab.getByLabel("Credit balance: 50")).toBeVisible();
  await expect(page.getByLabel("Credit balance: 50")).toBeVisible();
  await expect(page.getByTestId("billing-balance")).toHaveText("50 credits");
  await page.reload();
  await expect(page.getByText("Pack: 50 credits", { exact: true })).toBeVisible();
  await expect(page.getByText("Starter pack: 50 credits", { exact: true })).toBeVisible();
  await secondTab.close();
});
