import { expect, test, uniqueEmail } from "./fixtures";

test("sign up, see the welcome toast live in every tab, log out, fail and then succeed to log in", async ({ page, context }) => {
  const email = uniqueEmail("e2e");
  const password = "correct-horse-battery";

  await page.goto("/account");
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Faccount$/);
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page).toHaveURL(/\/signup\?redirectTo=%2Faccount$/);

  await page.getByLabel("Full name").fill("Erin Endtoend");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();

  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  const toast = page.getByRole("status").filter({ hasText: "Welcome to Startline!" });
  await expect(toast).toBeVisible();
  await expect(toast).toContainText(`We sent a welcome email to ${email}.`);
  await expect(page.getByTestId("live-status")).toHaveText("Live");
  await expect(page.getByLabel("Credit balance: 0")).toBeVisible();

  // A second tab of the same user shows the stored toast; dismissing it in one tab clears both live.
  const secondTab = await context.newPage();
  await secondTab.goto("/");
  const secondToast = secondTab.getByRole("status").filter({ hasText: "Welcome to Startline!" });
  await expect(secondToast).toBeVisible();
  await page.getByRole("button", { name: "Dismiss: Welcome to Startline!" }).click();
  await expect(toast).toBeHidden();
  await expect(secondToast).toBeHidden();
  await secondTab.close();

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Log in" })).toBeVisible();

  await page.goto("/notifications");
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Fnotifications$/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not-my-password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toHaveText("That email and password do not match an account.");

  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/notifications$/);
  await expect(page.getByRole("heading", { name: "Notifications" })).toBeVisible();
  await expect(page.getByText("Welcome to Startline!")).toBeVisible();
});

test("shows field errors next to the fields", async ({ page }) => {
  await page.goto("/signup");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByLabel("Full name")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("Enter your name")).toBeVisible();
  await expect(page.getByText("Enter a valid email address, like name@example.com")).toBeVisible();
  await expect(page.getByText("Use at least 10 characters")).toBeVisible();
});

test.describe("before JavaScript loads", () => {
  test.use({ javaScriptEnabled: false });

  test("the sign-up form still works and lands signed in", async ({ page }) => {
    await page.goto("/signup");
    await page.getByLabel("Full name").fill("Nora Nojs");
    await page.getByLabel("Email").fill(uniqueEmail("nojs"));
    await page.getByLabel("Password").fill("correct-horse-battery");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByRole("heading", { name: "Hi Nora Nojs, ready to race?" })).toBeVisible();
  });
});

test("unknown pages get a helpful 404", async ({ page }) => {
  const response = await page.goto("/this/does/not/exist");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "We can't find that page" })).toBeVisible();
  await page.getByRole("link", { name: "Go to the home page" }).click();
  await expect(page).toHaveURL(/\/$/);
});

test("the local outbox shows the welcome email", async ({ page }) => {
  const email = uniqueEmail("outbox");
  await page.goto("/signup");
  await page.getByLabel("Full name").fill("Otto Outbox");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct-horse-battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Welcome to Startline!" })).toBeVisible();
  await page.getByRole("link", { name: "Local email outbox" }).click();
  await expect(page.getByRole("row", { name: new RegExp(email) })).toContainText("sent");
});
