import type { Browser } from "@playwright/test";
import { db } from "~/utils/db.server";
import { createUser } from "../support/factories";
import { expect, signInAs, test } from "./fixtures";

test.afterAll(async () => {
  await db.$disconnect();
});

/** A new person by name, signed in on a device of their own. */
async function signedInPage(browser: Browser, baseURL: string | undefined, name: string) {
  return signInAs(browser, baseURL, (await createUser({ name })).email);
}

/** Tomorrow at 07:30, as a `datetime-local` input takes it. */
function tomorrowMorning() {
  const day = new Date(Date.now() + 2 * 86400_000).toISOString().slice(0, 10);
  return `${day}T07:30`;
}

test("two members see each other online, chat with a reaction and follow a training run's attendance live; outsiders get 404", async ({ browser, baseURL }) => {
  test.setTimeout(90_000);
  const suffix = Math.random().toString(36).slice(2, 6);
  const ownerName = `Aoife ${suffix}`;
  const friendName = `Brian ${suffix}`;
  const clubName = `Cliff Runners ${suffix}`;
  const owner = await signedInPage(browser, baseURL, ownerName);
  const friend = await signedInPage(browser, baseURL, friendName);
  const outsider = await signedInPage(browser, baseURL, `Otto ${suffix}`);

  await owner.goto("/clubs");
  await expect(owner.getByText("You are in no club yet.")).toBeVisible();
  await owner.getByLabel("Name").fill(clubName);
  await owner.getByLabel("Description").fill("Sunday long runs on the cliff path.");
  await owner.getByLabel("Who can join").selectOption("PRIVATE");
  await owner.getByRole("button", { name: "Create club" }).click();
  await expect(owner.getByRole("heading", { name: clubName })).toBeVisible();
  await expect(owner.getByRole("main").getByText("Live", { exact: true })).toBeVisible();
  const clubUrl = new URL(owner.url()).pathname;
  const code = (await owner.getByTestId("club-code").textContent())!.trim();

  await friend.goto("/clubs");
  await friend.getByLabel("Club code").fill(code);
  await friend.getByRole("button", { name: "Join club" }).click();
  await expect(friend.getByRole("heading", { name: clubName })).toBeVisible();

  // Each sees the other online, without reloading.
  const ownerMembers = owner.getByRole("list", { name: "Members" });
  const friendMembers = friend.getByRole("list", { name: "Members" });
  await expect(ownerMembers.getByRole("listitem").filter({ hasText: friendName })).toContainText("Online");
  await expect(friendMembers.getByRole("listitem").filter({ hasText: ownerName })).toContainText("Online");
  await expect(owner.getByTestId("online-count")).toHaveText("2 people here now");

  // Chat with a reaction.
  await friend.getByRole("textbox", { name: "Message" }).fill("Who is in for Sunday?");
  await friend.getByRole("button", { name: "Send message" }).click();
  const ownerMessages = owner.getByRole("list", { name: "Messages" });
  await expect(ownerMessages.getByText("Who is in for Sunday?")).toBeVisible();
  await ownerMessages.getByRole("button", { name: "thumbs up: 0" }).click();
  await expect(ownerMessages.getByRole("button", { name: "thumbs up: 1" })).toHaveAttribute("aria-pressed", "true");
  await expect(friend.getByRole("list", { name: "Messages" }).getByRole("button", { name: "thumbs up: 1" })).toBeVisible();

  // The owner plans a training run; the friend answers; the owner sees it without reloading.
  await owner.getByLabel("Title", { exact: true }).fill("Cliff path 15K");
  await owner.getByLabel(/^Starts/).fill(tomorrowMorning());
  await owner.getByLabel("Place", { exact: true }).fill("Harbour car park");
  await owner.getByLabel("Places (optional)").fill("8");
  await owner.getByRole("button", { name: "Create event" }).click();
  const friendEvents = friend.getByRole("list", { name: "Events" });
  await expect(friendEvents.getByRole("heading", { name: "Cliff path 15K" })).toBeVisible();
  await friendEvents.getByRole("group", { name: "Your answer for Cliff path 15K" }).getByRole("button", { name: "Going", exact: true }).click();
  const ownerEvents = owner.getByRole("list", { name: "Events" });
  await expect(ownerEvents.getByText("1 going of 8")).toBeVisible();
  await expect(ownerEvents.getByText(`Going: ${friendName}`)).toBeVisible();

  // Someone outside the private club finds nothing: the page and its feed are 404.
  const page = await outsider.goto(clubUrl);
  expect(page?.status()).toBe(404);
  await expect(outsider.getByText(clubName)).toHaveCount(0);
  const feed = await outsider.request.get(`${clubUrl}/live`, { headers: { Accept: "text/event-stream" } });
  expect(feed.status()).toBe(404);
});
