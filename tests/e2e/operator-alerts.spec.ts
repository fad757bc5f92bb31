import { raiseAlert } from "~/services/alerts.server";
import { createUser, TEST_PASSWORD } from "../support/factories";
import { expect, test } from "./fixtures";

test("an operator sees a payment alert arrive live, opens the alerts from the account page and resolves it with a note", async ({ page }) => {
  const operator = await createUser({ role: "OPERATOR", name: "Olive Operator" });
  await page.goto("/login");
  await page.getByLabel("Email").fill(operator.email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).not.toHaveURL(/\/login/);
  await page.goto("/account");
  await expect(page.getByTestId("live-status")).toHaveText("Live");

  const message = `A payment of €60.00 for order e2e-${Date.now()} was refunded and the order left unpaid.`;
  await raiseAlert({ kind: "payment.rejected", severity: "CRITICAL", message, context: { orderId: "e2e-order", amountPaidMinor: 6000 } });
  await expect(page.getByRole("status").filter({ hasText: message })).toBeVisible();

  await page.getByRole("link", { name: "Operator: alerts" }).click();
  await expect(page.getByRole("heading", { name: "Operator alerts" })).toBeVisible();
  const alert = page.getByRole("article", { name: message });
  await expect(alert.getByText("critical")).toBeVisible();
  await alert.getByRole("button", { name: "Mark resolved" }).click();
  await expect(alert.getByLabel("Resolution note")).toBeFocused();

  await alert.getByLabel("Resolution note").fill("Refund confirmed in Stripe; buyer paid again.");
  await alert.getByRole("button", { name: "Mark resolved" }).click();
  await expect(page.getByText("Alert resolved.")).toBeVisible();
  await expect(page.getByRole("article", { name: message })).toHaveCount(0);

  await page.getByRole("link", { name: "Resolved" }).click();
  await expect(page.getByRole("article", { name: message })).toContainText("Resolved by Olive Operator");
  await expect(page.getByRole("article", { name: message })).toContainText("Refund confirmed in Stripe; buyer paid again.");
});
