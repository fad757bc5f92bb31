import { expect, test, uniqueEmail } from "./fixtures";

test("a form checks fields on submit, then re-checks a wrong one as it is typed, in the browser, without requests", async ({ page }) => {
  await page.goto("/signup");
  const email = page.getByLabel("Email");
  const emailError = page.getByText("Enter a valid email address, like name@example.com");

  // Nobody is told off while still filling the form in.
  await email.pressSequentially("ada");
  await email.blur();
  await expect(emailError).toBeHidden();
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(emailError).toBeVisible();
  await expect(email).toHaveAttribute("aria-invalid", "true");
  await expect(page).toHaveURL(/\/signup$/);

  // Fixing it key by key: checked in the browser as it is typed (no request per key), and the error goes as soon as
  // the value is right, before the field is left, so nothing below it moves under the next click.
  const requests: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  await email.pressSequentially("@example");
  await expect(emailError).toBeVisible();
  await email.pressSequentially(".com");
  await expect(emailError).toBeHidden();
  await expect(email).not.toHaveAttribute("aria-invalid", "true");
  expect(requests, "requests sent while typing").toEqual([]);

  // A wrong field fixed and Submit pressed straight away: the error leaving does not make the click miss.
  await email.fill("not-an-email");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(emailError).toBeVisible();
  await page.getByLabel("Full name").fill("Vera Validate");
  await page.getByLabel("Password").fill("correct-horse-battery");
  await email.fill(uniqueEmail("validate"));
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).not.toHaveURL(/\/signup/);
});
