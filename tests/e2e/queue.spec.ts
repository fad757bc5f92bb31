import type { Page } from "@playwright/test";
import { saveQueueSettings } from "~/services/queue.server";
import { db } from "~/utils/db.server";
import { createOrganisation, createRace, createTicketType, createUser } from "../support/factories";
import { expect, signInAs, test } from "./fixtures";

test.afterAll(async () => {
  await db.$disconnect();
});

const position = (page: Page) => page.getByTestId("queue-position");

test("three buyers queue before opening, the organiser admits one, who registers while the others move up live", async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const { organisation, user: organiser } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id, { name: "Summit Sprint", status: "PUBLISHED", standardFields: [] });
  await createTicketType(race.id, { name: "5K", priceMinor: 2000, capacity: 10 });
  await db.waiverVersion.create({ data: { raceId: race.id, version: 1, title: "Waiver", text: "I run at my own risk.", contentHash: "h" } });
  const opensAt = new Date(Date.now() + 10 * 60_000);
  await saveQueueSettings({ raceId: race.id, actorId: organiser.id, settings: { enabled: true, opensAt, preQueueMinutes: 30, admitPerMinute: null, passMinutes: 10, checkoutCap: 10 } });

  const buyers = await Promise.all(["Ana", "Ben", "Cara"].map((name) => createUser({ name: `${name} ${Math.random().toString(36).slice(2, 6)}` })));
  const pages = await Promise.all(buyers.map((buyer) => signInAs(browser, baseURL, buyer.email)));
  for (const page of pages) {
    await page.goto(`/races/${race.slug}/queue`);
    await page.getByRole("button", { name: "Join the queue" }).click();
    await expect(position(page)).toContainText("You're in the pre-queue");
    await expect(page.getByTestId("queue-link")).toHaveText("Updating live");
  }

  // Opening time comes (brought forward rather than waited for); the worker draws the pre-queue's order and
  // each page learns its place without a reload.
  await db.raceQueue.update({ where: { raceId: race.id }, data: { opensAt: new Date() } });
  for (const page of pages) await expect(position(page)).toHaveText(/You're next|1 person ahead of you|2 people ahead of you/, { timeout: 15_000 });
  const entries = await db.queueEntry.findMany({ where: { raceId: race.id }, select: { userId: true, number: true } });
  const byNumber = [1, 2, 3].map((n) => pages[buyers.findIndex((b) => b.id === entries.find((e) => e.number === n)!.userId)]!);
  const [first, second, third] = byNumber as [Page, Page, Page];
  await expect(position(first)).toHaveText("You're next");
  await expect(position(second)).toHaveText("1 person ahead of you");
  await expect(position(third)).toHaveText("2 people ahead of you");

  // A reload keeps the place: it comes from the server.
  await third.reload();
  await expect(position(third)).toHaveText("2 people ahead of you");

  const console = await signInAs(browser, baseURL, organiser.email);
  await console.goto(`/organiser/races/${race.id}/queue`);
  await expect(console.getByTestId("queue-waiting")).toHaveText("3");
  await console.getByLabel("Admit next").fill("1");
  await console.getByRole("button", { name: "Admit next" }).click();
  await expect(console.getByText("1 person admitted.")).toBeVisible();
  await expect(first.getByTestId("queue-turn")).toHaveText("It's your turn! Register now.", { timeout: 1_000 });
  await expect(position(second)).toHaveText("You're next");
  await expect(position(third)).toHaveText("1 person ahead of you");
  await expect(console.getByTestId("queue-waiting")).toHaveText("2");

  // Someone still waiting has no pass: the race page refuses their reservation and points at the queue.
  await second.goto(`/races/${race.slug}`);
  await expect(second.getByTestId("queue-required")).toBeVisible();
  await second.getByLabel("5K tickets").selectOption("1");
  await second.getByRole("button", { name: "Register" }).click();
  await expect(second.getByText("This race admits buyers through its queue")).toBeVisible();
  await expect(second.getByRole("link", { name: "Go to the queue" })).toBeVisible();
  await expect(second).not.toHaveURL(/\/checkout\//);

  // The admitted buyer registers with their pass.
  await first.getByRole("link", { name: "Choose your tickets" }).click();
  await expect(first.getByTestId("queue-pass")).toBeVisible();
  await first.getByLabel("5K tickets").selectOption("1");
  await first.getByRole("button", { name: "Register" }).click();
  await expect(first).toHaveURL(/\/checkout\//);
  const firstBuyer = buyers[pages.indexOf(first)]!;
  const form = first.getByRole("form", { name: "Participant 1: 5K" });
  await form.getByRole("button", { name: "Use my details" }).click();
  await form.getByLabel("Type the participant's full name to sign").fill(firstBuyer.name);
  await form.getByRole("button", { name: "Save participant 1" }).click();
  await expect(form.getByText("Saved and signed")).toBeVisible();
  await first.getByRole("button", { name: "Pay €20.00" }).click();
  await first.getByRole("button", { name: "Pay €20.00 (demo)" }).click();
  await expect(first.getByTestId("order-status")).toHaveText("Confirmed");
  // The worker's next admission tick sees the paid order.
  await expect(async () => {
    await first.goto(`/races/${race.slug}/queue`);
    await expect(first.getByTestId("queue-status")).toHaveText("Registered", { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(console.getByTestId("queue-registered")).toHaveText("1", { timeout: 10_000 });

  for (const page of [...pages, console]) await page.context().close();
});
