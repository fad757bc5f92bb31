import { test as base, expect, type Browser, type BrowserContext, type Page } from "@playwright/test";

export const test = base.extend<{ noCspViolations: void }>({
  baseURL: async ({}, use) => {
    await use(process.env.E2E_BASE_URL);
  },
  /**
   * Every browser test also proves the Content-Security-Policy blocks nothing the app needs: Chromium reports
   * each script, style, connection or image it refused on the console, and any such report fails the test.
   * Contexts a spec opens itself (a second person) are watched too.
   */
  noCspViolations: [
    async ({ context, browser }, use) => {
      const violations: string[] = [];
      const watch = (watched: BrowserContext) =>
        watched.on("console", (message) => {
          if (/Content Security Policy/i.test(message.text())) violations.push(`${message.location().url}: ${message.text()}`);
        });
      watch(context);
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (...args) => {
        const opened = await newContext(...args);
        watch(opened);
        return opened;
      };
      await use();
      browser.newContext = newContext;
      expect(violations, "Content-Security-Policy violations").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

export function uniqueEmail(tag: string) {
  return `${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}@example.com`;
}

/**
 * Opens the newest email to `to` with this subject in the local outbox, as a person would, and returns the
 * path of the link in it that starts with `pathPrefix` (the preview is sandboxed, so the link is read from
 * the plain text version; its host is the app's APP_URL, which differs from the test server's port).
 */
export async function linkFromOutbox(page: Page, to: string, subject: string, pathPrefix: string) {
  const row = page.getByRole("row", { name: new RegExp(to.replace(/[.+]/g, "\\$&")) }).filter({ hasText: subject }).first();
  // The worker writes some emails (a password reset) a moment after the page answered: look again until it is there.
  await expect(async () => {
    await page.goto("/dev/outbox");
    await expect(row).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await row.getByRole("link", { name: subject }).click();
  await expect(page.getByRole("heading", { name: subject })).toBeVisible();
  await page.getByText("Plain text version").click();
  const text = await page.locator("pre").innerText();
  const url = text.split(/\s+/).find((word) => word.includes(pathPrefix));
  if (!url) throw new Error(`no ${pathPrefix} link in the email:\n${text}`);
  return new URL(url).pathname;
}

/** On a phone the signed-in header keeps its links behind a Menu button: opens it there, does nothing on a desktop. */
export async function openSiteMenu(page: Page) {
  await expect(page.getByRole("button", { name: "Log out", includeHidden: true })).toBeAttached();
  const menu = page.getByRole("button", { name: "Menu" });
  if ((await menu.isVisible()) && (await menu.getAttribute("aria-expanded")) !== "true") await menu.click();
}

/** Logs a person in through the login form, as they would (the seeded test password). */
export async function logIn(page: Page, email: string, password = "correct-horse-battery") {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).not.toHaveURL(/\/login/, { timeout: 30_000 });
}

/** A person in a browser context of their own (another device), signed in through the login form. */
export async function signInAs(browser: Browser, baseURL: string | undefined, email: string) {
  const page = await (await browser.newContext({ baseURL })).newPage();
  await logIn(page, email);
  return page;
}
