import { startDemoStack, type DemoStack } from "../support/demo-stack";
import { expect, test, uniqueEmail } from "./fixtures";

// The first five minutes of someone who just ran `npm run demo`: a database of its own, seeded by the demo seed
// (docs/decisions/0100), never this run's shared one.
test.describe.configure({ mode: "serial" });

let demo: DemoStack | undefined;

test.beforeAll(async ({}, testInfo) => {
  test.setTimeout(240_000);
  demo = await startDemoStack(`newcomer_${testInfo.project.name}`);
});

test.afterAll(async () => {
  await demo?.stop();
});

test("a newcomer finds the demo races, registers with the printed discount code and sees the order confirmed live", async ({ page }) => {
  test.setTimeout(120_000);
  const { url, demo: output } = demo!;
  expect(output.text).toContain("Open first:");

  await page.goto(`${url}/`);
  await page.getByRole("link", { name: "Create a free account" }).click();
  await page.getByLabel("Full name").fill("Nia Newcomer");
  await page.getByLabel("Email").fill(uniqueEmail("newcomer"));
  await page.getByLabel("Password").fill("correct-horse-battery");
  await page.getByRole("button", { name: "Create account" }).click();
  // Hashing the password (argon2) is slow on purpose, and slower on a busy machine.
  await expect(page.getByRole("button", { name: "Log out", includeHidden: true })).toBeAttached({ timeout: 30_000 });

  await page.goto(`${url}/`);
  // The home page lists the next demo races; the full list is one link away.
  const nextRaces = page.getByRole("region", { name: "Next races" });
  for (const name of ["Riverside Half Marathon", "Harbour Night Trail", "City Lights 10K"]) await expect(nextRaces.getByRole("link", { name })).toBeVisible();
  await page.getByRole("link", { name: "Browse upcoming races" }).click();
  for (const name of ["Riverside Half Marathon", "Harbour Night Trail", "City Lights 10K"]) await expect(page.getByRole("link", { name })).toBeVisible();
  // The race run nine days ago is history, not on sale.
  await expect(page.getByRole("link", { name: "Autumn Park 5K" })).toHaveCount(0);

  await page.getByRole("link", { name: "Riverside Half Marathon" }).click();
  await page.getByLabel("10K tickets").selectOption("1");
  await page.getByRole("button", { name: "Register" }).click();
  await expect(page).toHaveURL(/\/checkout\//);

  const form = page.getByRole("form", { name: "Participant 1: 10K" });
  await form.getByRole("button", { name: "Use my details" }).click();
  await expect(form.getByLabel("First name")).toHaveValue("Nia");
  await form.getByLabel("Date of birth").fill("1994-07-09");
  await form.getByLabel("Gender").selectOption("Female");
  await form.getByLabel("T-shirt size").selectOption("M");
  await form.getByLabel("Emergency contact name").fill("Noel Newcomer");
  await form.getByLabel("Emergency contact phone").fill("+353 87 765 4321");
  await form.getByLabel("How did you hear about the race? (optional)").selectOption("Friend");
  // The demo's waiver is long: it is read (scrolled to its end) before it can be signed.
  await form.getByLabel("Waiver: Participant waiver (version 1)").evaluate((waiver) => waiver.scrollTo(0, waiver.scrollHeight));
  await form.getByLabel("Type the participant's full name to sign").fill("Nia Newcomer");
  await form.getByRole("button", { name: "Save participant 1" }).click();
  await expect(form.getByText("Saved and signed")).toBeVisible();

  await page.getByLabel("Discount code").fill(output.discountCode);
  await page.getByRole("button", { name: "Apply code" }).click();
  await expect(page.getByTestId("order-summary")).toContainText(`Discount (${output.discountCode})`);
  await expect(page.getByTestId("order-summary")).toContainText("€28.80");

  await page.getByRole("button", { name: "Pay €28.80" }).click();
  await expect(page.getByText("Demo payment: no money moves.")).toBeVisible();
  await page.getByRole("button", { name: "Pay €28.80 (demo)" }).click();
  await expect(page).toHaveURL(/\/orders\//);
  await expect(page.getByTestId("order-status")).toHaveText("Confirmed", { timeout: 20_000 });
  await expect(page.getByRole("link", { name: "Show ticket" })).toHaveCount(1);
  await expect(page.getByRole("status").filter({ hasText: "Payment confirmed" })).toBeVisible();
});
