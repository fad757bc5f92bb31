import type { Page } from "@playwright/test";
import { grantCredits } from "~/services/credits.server";
import { db } from "~/utils/db.server";
import { createUser, TEST_PASSWORD } from "../support/factories";
import { expect, openSiteMenu, test, uniqueEmail } from "./fixtures";

// No Redis disconnect here: specs share this worker process and its one Redis connection.
test.afterAll(async () => {
  await db.$disconnect();
});

async function logIn(page: Page, email: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

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

test("two tabs follow a demo membership live: subscribe, a declined renewal, the overdue payment, cancel", async ({ page, context }) => {
  test.setTimeout(90_000);
  const user = await createUser({ name: "Mia Member" });
  await logIn(page, user.email);
  await page.goto("/billing");
  // The second tab never acts or reloads: only the live feed can change it.
  const watcher = await context.newPage();
  await watcher.goto("/billing");
  await expect(watcher.getByTestId("live-status")).toHaveText("Live");
  await expect(watcher.getByText("No credit movements yet.")).toBeVisible();
  await openSiteMenu(watcher);
  const watcherMembership = watcher.getByTestId("membership");

  await page.getByRole("button", { name: "Start membership (€9.00 a month)" }).click();
  await expect(page).toHaveURL(/\/billing\/membership\/demo-pay$/);
  await page.getByRole("button", { name: "Subscribe for €9.00 a month (demo)" }).click();
  await expect(page).toHaveURL(/\/billing\?membership=started/);

  await expect(watcher.getByTestId("header-membership")).toHaveText(/^Member · renews /);
  await expect(watcherMembership.getByText("Active", { exact: true })).toBeVisible();
  await expect(watcherMembership.getByText("Monthly membership", { exact: true })).toBeVisible();
  await expect(watcherMembership.getByText("Renews", { exact: true })).toBeVisible();
  await expect(watcher.getByLabel("Credit balance: 150")).toBeVisible();
  await expect(watcher.getByTestId("billing-balance")).toHaveText("150 credits");
  await expect(watcher.getByTestId("credit-history").getByText("Monthly membership: 150 credits")).toBeVisible();
  await expect(watcher.getByText("No credit movements yet.")).toHaveCount(0);
  const firstRenewal = await watcherMembership.locator("dd").nth(2).innerText();

  await page.getByRole("button", { name: "Decline the next payment (demo)" }).click();
  await expect(watcher.getByTestId("header-membership")).toHaveText("Membership payment overdue");
  await expect(watcherMembership.getByText("Payment overdue", { exact: true })).toBeVisible();
  await expect(watcherMembership.getByText("Period ends", { exact: true })).toBeVisible();
  await expect(watcherMembership.locator("dd").nth(2)).not.toHaveText(firstRenewal);

  await page.getByRole("button", { name: "Pay the overdue renewal (demo)" }).click();
  await expect(watcher.getByTestId("header-membership")).toHaveText(/^Member · renews /);
  await expect(watcher.getByLabel("Credit balance: 300")).toBeVisible();
  await expect(watcher.getByTestId("billing-balance")).toHaveText("300 credits");
  await expect(watcher.getByTestId("credit-history").getByText("Monthly membership: 150 credits")).toHaveCount(2);
  await expect(watcher.getByTestId("purchases").getByText("150 credits left", { exact: false })).toHaveCount(2);

  await page.getByRole("button", { name: "Cancel at period end" }).click();
  await expect(watcher.getByTestId("header-membership")).toHaveText(/^Member · ends /);
  await expect(watcherMembership.getByText("Ends", { exact: true })).toBeVisible();

  await page.getByRole("button", { name: "End the membership now (demo)" }).click();
  await expect(watcherMembership.getByText("Cancelled", { exact: true })).toBeVisible();
  await expect(watcher.getByTestId("header-membership")).toHaveCount(0);
  await expect(watcher.getByRole("button", { name: "Start membership (€9.00 a month)" })).toBeVisible();
  await watcher.close();
});

test("the live indicator says Reconnecting…, then Offline with Refresh now, which reads the snapshot again", async ({ page }) => {
  test.setTimeout(60_000);
  const user = await createUser({ name: "Otto Offline" });
  await logIn(page, user.email);
  // Every attempt to open the user's feed fails, as when the network or the server is away.
  await page.route("**/account/live", (route) => route.abort("connectionrefused"));
  await page.goto("/billing");
  await expect(page.getByTestId("live-status")).toHaveText("Reconnecting…");
  await expect(page.getByTestId("live-status")).toHaveText("Offline");
  const refresh = page.getByRole("button", { name: "Refresh now" });
  await expect(refresh).toBeVisible();

  // Credits arrive while the tab cannot hear about them.
  await grantCredits({ userId: user.id, amount: 7, description: "Welcome gift", idempotencyKey: `offline-${user.id}` });
  await expect(page.getByTestId("billing-balance")).toHaveText("0 credits");

  await page.unroute("**/account/live");
  // The next automatic attempt is at least 7.5 s away: within 5 s only the click can bring the link back.
  await refresh.click();
  await expect(page.getByTestId("live-status")).toHaveText("Live", { timeout: 5_000 });
  await expect(refresh).toHaveCount(0);
  await expect(page.getByLabel("Credit balance: 7")).toBeVisible();
  await expect(page.getByTestId("billing-balance")).toHaveText("7 credits");
  await expect(page.getByTestId("credit-history").getByText("Welcome gift")).toBeVisible();
  await expect(page.getByTestId("balance-breakdown")).toHaveCount(0);
});
