import { expect, linkFromOutbox, openSiteMenu, test, uniqueEmail } from "./fixtures";

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

  await openSiteMenu(page);
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

test("forgot password: the emailed link sets a new password once and signs out the other device", async ({ page, browser }) => {
  test.setTimeout(60_000);
  const email = uniqueEmail("reset");
  await page.goto("/signup");
  await page.getByLabel("Full name").fill("Rita Reset");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct-horse-battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Hi Rita Reset, ready to race?" })).toBeVisible();

  const otherDevice = await browser.newContext();
  const phone = await otherDevice.newPage();
  await phone.goto("/login");
  await phone.getByLabel("Email").fill(email);
  await phone.getByLabel("Password").fill("correct-horse-battery");
  await phone.getByRole("button", { name: "Log in" }).click();
  await expect(phone.getByRole("heading", { name: "Hi Rita Reset, ready to race?" })).toBeVisible();

  await openSiteMenu(page);
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Log in" }).click();
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send me a reset link" }).click();
  await expect(page.getByRole("status").filter({ hasText: `If an account exists for ${email}` })).toBeVisible();

  const resetPath = await linkFromOutbox(page, email, "Reset your Startline password", "/reset-password/");
  await page.goto(resetPath);
  await page.getByLabel("New password", { exact: true }).fill("a-brand-new-password");
  await page.getByLabel("Repeat the new password").fill("not-the-same-password");
  await page.getByRole("button", { name: "Save the new password" }).click();
  await expect(page.getByText("The two passwords are not the same")).toBeVisible();
  await page.getByLabel("Repeat the new password").fill("a-brand-new-password");
  await page.getByRole("button", { name: "Save the new password" }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Password changed" })).toBeVisible();

  await phone.goto("/account");
  await expect(phone).toHaveURL(/\/login\?redirectTo=%2Faccount$/);
  await otherDevice.close();

  await page.goto(resetPath);
  await expect(page.getByRole("alert")).toContainText("This reset link has expired or was already used.");
  await page.getByRole("link", { name: "Ask for a new one" }).click();
  await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();
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

  test("asking for a password reset works too", async ({ page }) => {
    await page.goto("/forgot-password");
    await page.getByLabel("Email").fill("not-an-email");
    await page.getByRole("button", { name: "Send me a reset link" }).click();
    await expect(page.getByText("Enter a valid email address, like name@example.com")).toBeVisible();
    const email = uniqueEmail("nojs-reset");
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send me a reset link" }).click();
    await expect(page.getByRole("status")).toContainText(`If an account exists for ${email}, we have sent it a link`);
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
