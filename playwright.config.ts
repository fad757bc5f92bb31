import { defineConfig, devices } from "@playwright/test";

/** Debian's Chromium, headless; specs that need more (a fake camera) extend these. */
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ],
};

export default defineConfig({
  testDir: "tests/e2e",
  globalSetup: "./tests/e2e/global-setup.ts",
  fullyParallel: true,
  workers: 2,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: chromiumLaunchOptions,
  },
  projects: [
    // The queue spec drives four browser contexts at once: one run, on desktop, is enough.
    { name: "mobile", use: { ...devices["Pixel 7"], defaultBrowserType: "chromium" }, testIgnore: /queue\.spec\.ts/ },
    // The newcomer spec starts a demo stack of its own (ADR 0100): once per run, on the phone a newcomer is most likely on.
    { name: "desktop", use: { ...devices["Desktop Chrome"] }, testIgnore: /newcomer\.spec\.ts/ },
  ],
});
