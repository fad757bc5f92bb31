import { expect, linkFromOutbox, openSiteMenu, test, uniqueEmail } from "./fixtures";

test("an organiser sets up a race with two ticket types, a waiver and a code, publishes it and sees the public page", async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto("/signup");
  await page.getByLabel("Full name").fill("Orla Organiser");
  const email = uniqueEmail("organiser");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct-horse-battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await openSiteMenu(page);
  await expect(page.getByRole("link", { name: "Organise", exact: true })).toBeVisible();

  await page.getByRole("link", { name: "Organise", exact: true }).click();
  await page.getByLabel("Organisation name").fill("Harbour Harriers");
  await page.getByRole("button", { name: "Create organisation" }).click();
  await page.getByRole("link", { name: "New race" }).click();

  const raceName = `Harbour 10K ${Date.now().toString(36)}`;
  await page.getByLabel("Race name").fill(raceName);
  await page.getByLabel("Location").fill("East Pier");
  await page.getByLabel("Start date and time").fill("2031-06-14T09:30");
  await page.getByLabel("Description").fill("A **flat** and fast course by the sea.");
  await page.getByRole("button", { name: "Create race" }).click();
  await expect(page.getByRole("heading", { name: raceName })).toBeVisible();
  await expect(page.getByText("Add at least one ticket type.")).toBeVisible();

  const sections = page.getByRole("navigation", { name: "Race sections" });
  await sections.getByRole("link", { name: "Ticket types" }).click();
  for (const [name, price, capacity] of [
    ["5K", "20", "100"],
    ["10K", "30.00", "200"],
  ] as const) {
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Price (EUR)").fill(price);
    await page.getByLabel("Capacity").fill(capacity);
    await page.getByRole("button", { name: "Add ticket type" }).click();
    await expect(page.getByRole("heading", { name: "Add a ticket type" })).toBeVisible();
    await expect(page.getByText(name, { exact: true }).first()).toBeVisible();
  }

  await sections.getByRole("link", { name: "Waiver" }).click();
  await page.getByLabel("Title").fill("Entry waiver");
  await page.getByLabel("Waiver text").fill("I take part at my own risk.");
  await page.getByRole("button", { name: "Save the waiver" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 1" })).toBeVisible();

  await sections.getByRole("link", { name: "Discount codes" }).click();
  await page.getByLabel("Code", { exact: true }).fill("early");
  await page.getByLabel("Percent off").fill("10");
  await page.getByRole("button", { name: "Create code" }).click();
  await expect(page.getByText("EARLY", { exact: true })).toBeVisible();

  await sections.getByRole("link", { name: "Overview" }).click();
  await expect(page).toHaveURL(/\/organiser\/races\/[^/]+$/);
  const overview = page.url();
  await page.getByRole("button", { name: "Publish race" }).click();
  await expect(page.getByRole("alert")).toContainText("Verify your email address before you publish a race");
  await expect(page.getByRole("button", { name: "Send a new verification link" })).toBeVisible();

  // The welcome email carries the verification link.
  await page.goto(await linkFromOutbox(page, email, "Welcome to Startline", "/verify-email/"));
  await page.getByRole("button", { name: "Verify my email address" }).click();
  await expect(page.getByRole("status").filter({ hasText: `${email} is verified.` })).toBeVisible();

  await page.goto(overview);
  await page.getByRole("button", { name: "Publish race" }).click();
  await expect(page.getByText("published", { exact: true })).toBeVisible();

  await page.getByRole("link", { name: "Public page" }).click();
  await expect(page.getByRole("heading", { name: raceName })).toBeVisible();
  await expect(page.locator("strong", { hasText: "flat" })).toBeVisible();
  await expect(page.getByTestId("remaining-5K")).toHaveText("100 places left");
  await expect(page.getByTestId("remaining-10K")).toHaveText("200 places left");
  await expect(page.getByText("€30.00")).toBeVisible();
  await expect(page.getByRole("button", { name: "Register" })).toBeVisible();

  // Other specs publish races in the same database, and /races lists them by start date, this one (2031) last:
  // look through the list's pages.
  await page.goto("/races");
  for (let n = 1; !(await page.getByRole("link", { name: raceName }).isVisible()); n += 1) {
    expect(n, `${raceName} is on one of the pages of /races`).toBeLessThan(50);
    await page.goto(`/races?page=${n + 1}`);
  }
  await expect(page.getByRole("link", { name: raceName })).toBeVisible();
});
