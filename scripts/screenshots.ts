// `npm run screenshots`: starts the demo on a database of its own (migrated, seeded, web + worker in demo mode), then
// saves the pages a newcomer sees first at a phone's and a laptop's width to docs/screenshots/<page>-<width>.png.
// Not part of the test run; run it after a change to how pages look, and commit the PNGs.
import { mkdirSync } from "node:fs";
import { chromium, type Browser, type Page } from "@playwright/test";
import pg from "pg";
import { chromiumLaunchOptions } from "../playwright.config";
import { startDemoStack, type DemoStack } from "../tests/support/demo-stack";

const OUT = "docs/screenshots";
const WIDTHS = [
  { width: 390, height: 844, isMobile: true, hasTouch: true },
  { width: 1280, height: 800, isMobile: false, hasTouch: false },
];
const PASSWORDS = { "organiser@startline.test": "startline-organiser", "buyer@startline.test": "startline-buyer", "aoife@startline.test": "startline-runner" } as const;

async function idsOf(demo: DemoStack) {
  const client = new pg.Client({ connectionString: demo.stack.env.DATABASE_URL });
  await client.connect();
  try {
    const one = async (text: string) => ((await client.query<{ id: string }>(text)).rows[0] ?? { id: "" }).id;
    return {
      flagship: await one(`SELECT id FROM "Race" WHERE slug = 'riverside-half-marathon'`),
      order: await one(`SELECT o.id FROM "Order" o JOIN "User" u ON u.id = o."buyerId" WHERE u.email = 'buyer@startline.test' AND o.status = 'PAID'`),
      room: await one(`SELECT id FROM "Room" WHERE name = 'Harbour Harriers'`),
    };
  } finally {
    await client.end();
  }
}

async function signedIn(browser: Browser, url: string, viewport: (typeof WIDTHS)[number], email: keyof typeof PASSWORDS | null) {
  const context = await browser.newContext({ baseURL: url, viewport: { width: viewport.width, height: viewport.height }, isMobile: viewport.isMobile, hasTouch: viewport.hasTouch, deviceScaleFactor: 1, locale: "en-IE", timezoneId: "Europe/Dublin" });
  const page = await context.newPage();
  if (email) {
    await page.goto("/login");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORDS[email]);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("button", { name: "Log out", includeHidden: true }).waitFor({ state: "attached" });
  }
  return page;
}

/**
 * The seeded people have unread news (room joins, a payment): their toasts would cover the page. They come with the
 * live feed's first snapshot, so a signed-in page first waits for the feed to be live.
 */
async function dismissToasts(page: Page) {
  const live = page.getByTestId("live-status");
  if ((await live.count()) > 0) {
    await live.filter({ hasText: /^Live$/ }).waitFor({ state: "attached" });
    await page.waitForTimeout(300);
  }
  const dismiss = page.getByRole("button", { name: /^Dismiss: / });
  for (let i = 0; i < 10 && (await dismiss.count()) > 0; i++) {
    await dismiss.first().click();
    await page.waitForTimeout(300);
  }
}

async function save(page: Page, name: string, width: number) {
  await dismissToasts(page);
  // Live values (places left, status) arrive a moment after the page: let them settle, and the fonts load.
  await page.waitForTimeout(800);
  await page.evaluate(() => document.fonts.ready);
  const path = `${OUT}/${name}-${width}.png`;
  await page.screenshot({ path, fullPage: true });
  console.log(`  ${path}`);
}

const demo = await startDemoStack("screenshots");
const browser = await chromium.launch(chromiumLaunchOptions);
try {
  mkdirSync(OUT, { recursive: true });
  const ids = await idsOf(demo);
  for (const viewport of WIDTHS) {
    const { width } = viewport;
    const visitor = await signedIn(browser, demo.url, viewport, null);
    await visitor.goto("/");
    await save(visitor, "home", width);
    await visitor.goto("/races/riverside-half-marathon");
    await visitor.getByRole("button", { name: "Register" }).waitFor();
    await save(visitor, "race", width);
    await visitor.context().close();

    const buyer = await signedIn(browser, demo.url, viewport, "buyer@startline.test");
    await buyer.goto(`/orders/${ids.order}`);
    await buyer.getByTestId("order-status").waitFor();
    await save(buyer, "order", width);
    await buyer.goto("/races/riverside-half-marathon");
    await buyer.getByLabel("10K tickets").selectOption("1");
    await buyer.getByRole("button", { name: "Register" }).click();
    await buyer.waitForURL(/\/checkout\//);
    await buyer.getByRole("form", { name: "Participant 1: 10K" }).getByRole("button", { name: "Use my details" }).click();
    await save(buyer, "checkout", width);
    await buyer.context().close();

    const member = await signedIn(browser, demo.url, viewport, "aoife@startline.test");
    await member.goto(`/rooms/${ids.room}`);
    await member.getByRole("list", { name: "Messages" }).waitFor();
    await save(member, "room", width);
    await member.context().close();

    const organiser = await signedIn(browser, demo.url, viewport, "organiser@startline.test");
    await organiser.goto(`/organiser/races/${ids.flagship}/dashboard`);
    await save(organiser, "dashboard", width);
    await organiser.context().close();
  }
} finally {
  await browser.close();
  await demo.stop();
}
