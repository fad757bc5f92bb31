import type { Browser, Page } from "@playwright/test";
import { db } from "~/utils/db.server";
import { createOrganisation, createRace, createTicketType, createUser } from "../support/factories";
import { expect, signInAs, test } from "./fixtures";

test.afterAll(async () => {
  await db.$disconnect();
});

/** A new person by name, signed in on a device of their own. */
async function signedInPage(browser: Browser, baseURL: string | undefined, name: string) {
  return signInAs(browser, baseURL, (await createUser({ name })).email);
}

function members(page: Page) {
  return page.getByRole("list", { name: "Members" });
}

test("two people see each other join a room, chat and register live", async ({ browser, baseURL }) => {
  test.setTimeout(90_000);
  const { organisation } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id, { name: "Cliff Path 12K", status: "PUBLISHED", standardFields: [] });
  await createTicketType(race.id, { name: "12K", priceMinor: 2500, capacity: 20 });
  await db.waiverVersion.create({ data: { raceId: race.id, version: 1, title: "Waiver", text: "I run at my own risk.", contentHash: "h" } });
  const suffix = Math.random().toString(36).slice(2, 6);
  const ownerName = `Aoife ${suffix}`;
  const friendName = `Brian ${suffix}`;
  const owner = await signedInPage(browser, baseURL, ownerName);
  const friend = await signedInPage(browser, baseURL, friendName);

  await owner.goto(`/races/${race.slug}/rooms`);
  await expect(owner.getByText("No public rooms yet.")).toBeVisible();
  await owner.getByLabel("Room name").fill("Cliff Climbers");
  await owner.getByLabel("Team name (optional)").fill("Climbers");
  await owner.getByLabel("Maximum members").fill("4");
  await owner.getByRole("button", { name: "Create room" }).click();
  await expect(owner.getByRole("heading", { name: "Cliff Climbers" })).toBeVisible();
  await expect(owner.getByRole("main").getByText("Live", { exact: true })).toBeVisible();
  const code = (await owner.getByTestId("room-code").textContent())!.trim();

  await friend.goto(`/rooms/join/${code}`);
  await friend.getByRole("button", { name: "Join Cliff Climbers" }).click();
  await expect(friend.getByRole("heading", { name: "Cliff Climbers" })).toBeVisible();
  await expect(members(friend).getByText(ownerName, { exact: true })).toBeVisible();

  // The owner did nothing: the friend appears through the live feed.
  await expect(members(owner).getByText(friendName, { exact: true })).toBeVisible();
  await expect(owner.getByRole("heading", { name: "Members (2 of 4)" })).toBeVisible();

  await expect(friend.getByRole("main").getByText("Live", { exact: true })).toBeVisible();
  await friend.getByRole("textbox", { name: "Message" }).fill("See you at the start line!");
  await friend.getByRole("button", { name: "Send message" }).click();
  await expect(friend.getByRole("textbox", { name: "Message" })).toHaveValue("");
  const messages = owner.getByRole("list", { name: "Messages" });
  await expect(messages.getByText("See you at the start line!")).toBeVisible();
  await expect(messages.getByText(friendName, { exact: true })).toBeVisible();

  await owner.getByRole("textbox", { name: "Message" }).fill("Great, bring gels");
  await owner.getByRole("button", { name: "Send message" }).click();
  await expect(friend.getByRole("list", { name: "Messages" }).getByText("Great, bring gels")).toBeVisible();

  // A reload keeps showing the room the friend is in.
  await friend.goto(`/races/${race.slug}/rooms`);
  await expect(friend.getByRole("status").filter({ hasText: "You are in Cliff Climbers" })).toBeVisible();

  // The friend registers; the owner watches their status move from "in checkout" to "registered".
  const friendRow = members(owner).getByRole("listitem").filter({ hasText: friendName });
  await expect(friendRow).toContainText("Not started");
  await friend.goto(`/races/${race.slug}`);
  await expect(friend.getByTestId("availability-link")).toHaveText("Places update live");
  await friend.getByLabel("12K tickets").selectOption("1");
  await friend.getByRole("button", { name: "Register" }).click();
  await expect(friend).toHaveURL(/\/checkout\//);
  await expect(friendRow).toContainText("In checkout");
  const form = friend.getByRole("form", { name: "Participant 1: 12K" });
  await form.getByRole("button", { name: "Use my details" }).click();
  await form.getByLabel("Type the participant's full name to sign").fill(friendName);
  await form.getByRole("button", { name: "Save participant 1" }).click();
  await expect(form.getByText("Saved and signed")).toBeVisible();
  await friend.getByRole("button", { name: "Pay €25.00" }).click();
  await friend.getByRole("button", { name: "Pay €25.00 (demo)" }).click();
  await expect(friend.getByTestId("order-status")).toHaveText("Confirmed");
  await expect(friendRow).toContainText("Registered");

  await owner.context().close();
  await friend.context().close();
});
