import { createServer } from "node:net";
import { grantCredits } from "~/services/credits.server";
import { db } from "~/utils/db.server";
import { createUser, TEST_PASSWORD } from "../support/factories";
import { startWeb, testEnv } from "../support/processes";
import { expect, test } from "./fixtures";

function freePort() {
  return new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

// No Redis disconnect here: specs share this worker process and its one Redis connection (e.g. queue.spec.ts
// publishes through it after this file ran).
test.afterAll(async () => {
  await db.$disconnect();
});

test("the live balance recovers by itself after the web server restarts", async ({ browser }) => {
  test.setTimeout(60_000);
  const port = String(await freePort());
  const env = testEnv({ PORT: port, DEMO_MODE: "true" });
  let web = await startWeb(env);
  const user = await createUser({ name: "Rhea Restart" });
  const context = await browser.newContext({ baseURL: web.url });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByTestId("live-status")).toHaveText("Live");

  await web.stop();
  await expect(page.getByTestId("live-status")).toHaveText("Reconnecting…");
  web = await startWeb(env);
  await expect(page.getByTestId("live-status")).toHaveText("Live", { timeout: 30_000 });

  await grantCredits({ userId: user.id, amount: 7, description: "Welcome gift", idempotencyKey: `recovery-${user.id}` });
  await expect(page.getByLabel("Credit balance: 7")).toBeVisible();
  await context.close();
  await web.stop();
});
