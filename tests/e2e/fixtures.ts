import { test as base, expect, type BrowserContext } from "@playwright/test";

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
