import { db } from "~/utils/db.server";
import { createOrganisation, createRace, createTicketType, TEST_PASSWORD } from "../support/factories";
import { expect, test, uniqueEmail } from "./fixtures";

async function publishedRace() {
  const { organisation, user: organiser } = await createOrganisation("OWNER");
  const startsAt = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 5, 14, 8, 0));
  const race = await createRace(organisation.id, {
    status: "PUBLISHED",
    name: `Riverside Run ${Date.now().toString(36)}`,
    startsAt,
    standardFields: ["DATE_OF_BIRTH", "EMERGENCY_CONTACT"],
    guardianUnderAge: 18,
  });
  await createTicketType(race.id, { name: "10K", priceMinor: 3000, capacity: 50, sortOrder: 0 });
  await createTicketType(race.id, { name: "5K", priceMinor: 2000, capacity: 50, sortOrder: 1, minAge: 8 });
  await db.waiverVersion.create({ data: { raceId: race.id, version: 1, title: "Entry waiver", text: "I take part at my own risk.", contentHash: "h" } });
  await db.discountCode.create({ data: { raceId: race.id, code: "FRIENDS", kind: "PERCENT", amount: 20 } });
  return { race, organiser, raceYear: startsAt.getUTCFullYear() };
}

test("a buyer registers an adult and a minor, applies a code, pays in demo mode and sees the order confirmed live; the organiser sees them", async ({ page, browser, baseURL }) => {
  test.setTimeout(90_000);
  const { race, organiser, raceYear } = await publishedRace();

  await page.goto("/signup");
  await page.getByLabel("Full name").fill("Bea Buyer");
  await page.getByLabel("Email").fill(uniqueEmail("buyer"));
  await page.getByLabel("Password").fill("correct-horse-battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("button", { name: "Log out", includeHidden: true })).toBeAttached();

  await page.goto(`/races/${race.slug}`);
  await expect(page.getByTestId("availability-link")).toHaveText("Places update live");
  await page.getByLabel("10K tickets").selectOption("1");
  await page.getByLabel("5K tickets").selectOption("1");
  await page.getByRole("button", { name: "Register" }).click();
  await expect(page).toHaveURL(/\/checkout\//);
  await expect(page.getByRole("timer")).toContainText("Your places are held for");

  const adult = page.getByRole("form", { name: "Participant 1: 10K" });
  await adult.getByRole("button", { name: "Use my details" }).click();
  await expect(adult.getByLabel("First name")).toHaveValue("Bea");
  await adult.getByLabel("Date of birth").fill("1988-05-20");
  await adult.getByLabel("Emergency contact name").fill("Sam Buyer");
  await adult.getByLabel("Emergency contact phone").fill("+353 87 765 4321");
  await adult.getByLabel("Waiver: Entry waiver (version 1)").scrollIntoViewIfNeeded();
  await adult.getByLabel("Type the participant's full name to sign").fill("Bea Buyer");
  await adult.getByRole("button", { name: "Save participant 1" }).click();
  await expect(adult.getByText("Saved and signed")).toBeVisible();

  // A half-filled form survives a reload.
  let minor = page.getByRole("form", { name: "Participant 2: 5K" });
  await minor.getByLabel("First name").fill("Kit");
  await minor.getByLabel("Last name").fill("Buyer");
  await page.reload();
  minor = page.getByRole("form", { name: "Participant 2: 5K" });
  await expect(minor.getByLabel("Last name")).toHaveValue("Buyer");
  await expect(page.getByRole("form", { name: "Participant 1: 10K" }).getByText("Saved and signed")).toBeVisible();
  await minor.getByLabel("First name").fill("Kit");
  await minor.getByLabel("Last name").fill("Buyer");
  await minor.getByLabel("Participant's email").fill("kit@example.com");
  await minor.getByLabel("Date of birth").fill(`${raceYear - 11}-02-01`);
  await minor.getByLabel("Emergency contact name").fill("Bea Buyer");
  await minor.getByLabel("Emergency contact phone").fill("+353 87 765 4321");
  await minor.getByLabel("Type the participant's full name to sign").fill("Kit Buyer");
  await minor.getByRole("button", { name: "Save participant 2" }).click();
  await expect(minor.getByText("a parent or guardian must sign too")).toBeVisible();
  await minor.getByLabel(/Parent or guardian's full name/).fill("Bea Buyer");
  await minor.getByRole("button", { name: "Save participant 2" }).click();
  await expect(minor.getByText("Saved and signed")).toBeVisible();

  await page.getByLabel("Discount code").fill("friends");
  await page.getByRole("button", { name: "Apply code" }).click();
  await expect(page.getByTestId("order-summary")).toContainText("Discount (FRIENDS)");
  await expect(page.getByTestId("order-summary")).toContainText("€40.00");

  await page.getByRole("button", { name: "Pay €40.00" }).click();
  await expect(page.getByText("Demo payment: no money moves.")).toBeVisible();
  await page.getByRole("button", { name: "Pay €40.00 (demo)" }).click();
  await expect(page).toHaveURL(/\/orders\//);
  await expect(page.getByTestId("order-status")).toHaveText("Confirmed");
  await expect(page.getByRole("link", { name: "Show ticket" })).toHaveCount(2);
  await expect(page.getByRole("status").filter({ hasText: "Payment confirmed" })).toBeVisible();

  const organiserContext = await browser.newContext({ baseURL });
  const organiserPage = await organiserContext.newPage();
  await organiserPage.goto("/login");
  await organiserPage.getByLabel("Email").fill(organiser.email);
  await organiserPage.getByLabel("Password").fill(TEST_PASSWORD);
  await organiserPage.getByRole("button", { name: "Log in" }).click();
  await expect(organiserPage.getByRole("button", { name: "Log out", includeHidden: true })).toBeAttached();
  await organiserPage.goto(`/organiser/races/${race.id}/participants`);
  await expect(organiserPage.getByText("2 participants")).toBeVisible();
  await expect(organiserPage.getByRole("link", { name: /Kit/ }).first()).toBeVisible();
  await expect(organiserPage.getByRole("link", { name: /Bea/ }).first()).toBeVisible();
  await organiserContext.close();
});
