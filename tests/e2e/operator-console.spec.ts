import { enqueue } from "~/jobs/queues.server";
import { db } from "~/utils/db.server";
import { createUser, TEST_PASSWORD } from "../support/factories";
import { expect, openSiteMenu, test, uniqueEmail } from "./fixtures";

/**
 * Two faults, one per browser project: the projects run at the same time against one stack, and the failed tile of a
 * queue counts every failed job in it, so each project watches its own queue. Each job fails for good at once because
 * the row it works on is not in the database yet; the fault goes away when the row is written.
 */
const faults = {
  desktop: {
    queue: "email",
    name: "email.send",
    fail: (key: string) => enqueue("email.send", { emailId: key }),
    error: (key: string) => `email ${key} does not exist`,
    fix: (key: string) => db.emailMessage.create({ data: { id: key, kind: "welcome", to: uniqueEmail("late"), subject: "Welcome", text: "Hi", html: "<p>Hi</p>" } }),
    done: async (key: string) => (await db.emailMessage.findUniqueOrThrow({ where: { id: key } })).status === "SENT",
  },
  mobile: {
    queue: "stripe",
    name: "stripe.event",
    fail: (key: string) => enqueue("stripe.event", { eventId: key }),
    error: (key: string) => `Stripe event ${key} is not in the inbox`,
    fix: (key: string) => db.stripeEvent.create({ data: { id: key, type: "charge.succeeded", payload: { id: key, type: "charge.succeeded", data: { object: { id: "ch_e2e" } } } } }),
    done: async (key: string) => Boolean((await db.stripeEvent.findUniqueOrThrow({ where: { id: key } })).processedAt),
  },
} as const;

test("an operator finds a failed job, retries it once the fault is gone, and watches the failed tile go back live", async ({ page }, testInfo) => {
  test.setTimeout(60_000);
  const fault = faults[testInfo.project.name as keyof typeof faults];
  const operator = await createUser({ role: "OPERATOR", name: "Oscar Operator" });
  await page.goto("/login");
  await page.getByLabel("Email").fill(operator.email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).not.toHaveURL(/\/login/);

  await openSiteMenu(page);
  await page.getByRole("link", { name: "Operate" }).click();
  await expect(page.getByRole("heading", { name: "Operator", exact: true })).toBeVisible();
  await expect(page.getByTestId("operator-live-status")).toHaveText("Live");
  const failedTile = page.getByTestId(`failed-${fault.queue}`);
  const before = Number(await failedTile.textContent());

  const key = `e2e-${testInfo.project.name}-${Date.now()}`;
  await fault.fail(key);
  await expect(failedTile).toHaveText(String(before + 1));

  // The list in a second tab; the home stays open in the first, never reloaded.
  const jobs = await page.context().newPage();
  await jobs.goto("/operator/jobs");
  const job = jobs.getByRole("article", { name: new RegExp(fault.name.replace(".", "\\.")) }).filter({ hasText: key });
  await expect(job).toContainText(fault.error(key));

  await fault.fix(key);
  await job.getByRole("button", { name: "Retry" }).click();
  await expect(jobs.getByText(`Retrying ${fault.name} (${fault.name}-${key}).`)).toBeVisible();
  await expect.poll(() => fault.done(key)).toBe(true);

  await page.bringToFront();
  await expect(failedTile).toHaveText(String(before));
});

test("an operator finds a reconciliation difference on the home and resolves it with a note", async ({ page }, testInfo) => {
  const operator = await createUser({ role: "OPERATOR", name: "Rita Reconciler" });
  // What a reconciliation run stores when Stripe shows a refund Startline never heard of (the run itself needs Stripe,
  // which this demo-mode stack does not have; tests/integration/reconciliation.test.ts drives it against the double).
  const chargeId = `ch_e2e_${testInfo.project.name}_${Date.now()}`;
  await db.reconciliationFlag.create({
    data: {
      kind: "REFUND_MISMATCH",
      stripeObjectId: chargeId,
      currency: "EUR",
      stripeAmountMinor: 1000,
      startlineAmountMinor: 0,
      message: `Charge ${chargeId} has €10.00 refunded in Stripe, but order o_e2e records €0.00 refunded.`,
      alertedAt: new Date(),
    },
  });
  await page.goto("/login");
  await page.getByLabel("Email").fill(operator.email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).not.toHaveURL(/\/login/);

  await page.goto("/operator");
  await expect(page.getByTestId("reconciliation-latest").filter({ hasText: chargeId })).toBeVisible();
  await page.getByRole("link", { name: "Review and resolve differences" }).click();
  const flag = page.getByRole("article", { name: new RegExp(chargeId) });
  await flag.getByLabel("Resolution note").fill("Refund confirmed with the organiser; recorded by hand.");
  await flag.getByRole("button", { name: "Mark resolved" }).click();
  await expect(page.getByText("Flag resolved.")).toBeVisible();
  await page.getByRole("link", { name: "Resolved", exact: true }).click();
  await expect(page.getByRole("article", { name: new RegExp(chargeId) })).toContainText("Resolved by Rita Reconciler");
});
