import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeQueues, getQueue } from "~/jobs/queues.server";
import { paidPublishingBlocker, platformFeeFor } from "~/services/payouts.server";
import { db } from "~/utils/db.server";
import { deliverWebhook, signWebhook, stripeEvent, type StripeDouble } from "../mocks/stripe";
import { addMember, createOrganisation } from "../support/factories";
import { openEventStream } from "../support/http";
import { startWeb, testEnv, type startWorker } from "../support/processes";
import { loggedIn } from "../support/session";
import { waitFor } from "../support/wait";
import { startStripeStack } from "../support/stripe-stack";

const WEBHOOK_SECRET = "whsec_startline_payouts_secret";
let stripe: StripeDouble;
let web: Awaited<ReturnType<typeof startWeb>>;
let worker: Awaited<ReturnType<typeof startWorker>>;

let stopStack: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const stack = await startStripeStack(WEBHOOK_SECRET);
  ({ stripe, web, worker } = stack);
  stopStack = () => stack.stop();
});
afterAll(async () => {
  await stopStack?.();
  await getQueue("stripe").obliterate({ force: true });
  await closeQueues();
  await db.$disconnect();
});

const payoutsPage = (organisationId: string) => `/organiser/organisations/${organisationId}/payouts`;


async function ownerWithOnboardingStarted() {
  const { organisation, user } = await createOrganisation("OWNER");
  const owner = await loggedIn(web.url, user.email);
  const response = await owner.post(payoutsPage(organisation.id), { intent: "start-payouts" });
  expect(response.status).toBe(302);
  const { stripeAccountId } = await db.organisation.findUniqueOrThrow({ where: { id: organisation.id } });
  return { organisation, user, owner, accountId: stripeAccountId! };
}

describe("payout onboarding with Stripe Connect Express", () => {
  it("waits for a verified email address: no Stripe account before it, a clear message and a resend button", async () => {
    const { organisation, user } = await createOrganisation("OWNER");
    await db.user.update({ where: { id: user.id }, data: { emailVerifiedAt: null } });
    const owner = await loggedIn(web.url, user.email);
    const page = await (await owner.request(payoutsPage(organisation.id))).text();
    expect(page).toContain("Verify your email address before you set up payouts: open the link we emailed you, or send a new one.");
    expect(page).toContain("Send a new verification link");
    expect(page).not.toContain("Set up payouts with Stripe");
    const accountsBefore = stripe.callsTo("POST", "/v1/accounts").length;

    const refused = await owner.post(payoutsPage(organisation.id), { intent: "start-payouts" });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("Verify your email address before you set up payouts");
    expect(stripe.callsTo("POST", "/v1/accounts").length).toBe(accountsBefore);
    expect((await db.organisation.findUniqueOrThrow({ where: { id: organisation.id } })).stripeAccountId).toBeNull();

    await db.user.update({ where: { id: user.id }, data: { emailVerifiedAt: new Date() } });
    expect((await owner.post(payoutsPage(organisation.id), { intent: "start-payouts" })).status).toBe(302);
  });

  it("creates the organisation's Stripe account once and sends the owner to a fresh onboarding link each time", async () => {
    const { organisation, user } = await createOrganisation("OWNER");
    const owner = await loggedIn(web.url, user.email);
    const before = await owner.request(payoutsPage(organisation.id));
    expect(before.status).toBe(200);
    const html = await before.text();
    expect(html).toContain("Set up payouts with Stripe");
    expect(html).toContain("Not started");
    expect(html).toContain("Finish payout setup with Stripe before publishing paid races");
    const accountsBefore = stripe.callsTo("POST", "/v1/accounts").length;

    const first = await owner.post(payoutsPage(organisation.id), { intent: "start-payouts" });
    expect(first.status).toBe(302);
    const firstLink = first.headers.get("Location")!;
    expect(firstLink).toMatch(/^https:\/\/connect\.stripe\.com\/setup\/e\/acct_/);
    const stored = await db.organisation.findUniqueOrThrow({ where: { id: organisation.id } });
    expect(stored.connectStatus).toBe("PENDING");
    expect(stored.stripeAccountId).toMatch(/^acct_/);
    expect(firstLink).toContain(stored.stripeAccountId);

    const second = await owner.post(payoutsPage(organisation.id), { intent: "start-payouts" });
    expect(second.status).toBe(302);
    expect(second.headers.get("Location")).not.toBe(firstLink);
    const refreshed = await owner.request(`${payoutsPage(organisation.id)}/refresh`);
    expect(refreshed.status).toBe(302);
    expect(refreshed.headers.get("Location")).toMatch(new RegExp(`^https://connect\\.stripe\\.com/setup/e/${stored.stripeAccountId}/`));

    const created = stripe.callsTo("POST", "/v1/accounts").slice(accountsBefore);
    expect(created).toHaveLength(1);
    expect(created[0]!.params).toMatchObject({
      type: "express",
      metadata: { organisationId: organisation.id },
      capabilities: { card_payments: { requested: "true" }, transfers: { requested: "true" } },
    });
    expect(created[0]!.idempotencyKey).toBe(`startline-connect-account-${organisation.id}`);
    const links = stripe.callsTo("POST", "/v1/account_links").filter((call) => call.params.account === stored.stripeAccountId);
    expect(links).toHaveLength(3);
    expect(links[0]!.params).toMatchObject({ type: "account_onboarding" });
    expect(links[0]!.params.return_url).toMatch(new RegExp(`${payoutsPage(organisation.id)}\\?from=stripe$`));
    expect(links[0]!.params.refresh_url).toMatch(new RegExp(`${payoutsPage(organisation.id)}/refresh$`));
    expect(await db.auditEntry.count({ where: { organisationId: organisation.id, action: "organisation.payouts_started" } })).toBe(1);

    const after = await (await owner.request(payoutsPage(organisation.id))).text();
    expect(after).toContain("Continue payout setup with Stripe");
    expect(after).toContain("Pending");
  });

  it("enables payments when Stripe's account.updated arrives through the webhook, and tells every owner live", async () => {
    const { organisation, owner, accountId } = await ownerWithOnboardingStarted();
    const coOwner = await addMember(organisation.id, "OWNER");
    const manager = await addMember(organisation.id, "MANAGER");
    const feed = await openEventStream(owner, "/account/live");
    await feed.next((e) => e.event === "snapshot");

    // The owner finishes Stripe's form; Stripe updates the account and calls the webhook.
    const account = stripe.updateAccount(accountId, { charges_enabled: true, payouts_enabled: true, details_submitted: true });
    const event = stripeEvent("account.updated", account, { account: accountId, previousAttributes: { charges_enabled: false } });
    const payload = JSON.stringify(event);
    const response = await deliverWebhook(web.url, payload, signWebhook(payload, WEBHOOK_SECRET));
    expect(response.status).toBe(200);

    const toast = await feed.next((e) => e.event === "delta" && (e.data as { type: string }).type === "notification");
    expect(toast.data).toMatchObject({ notification: { title: "Payments are enabled", href: payoutsPage(organisation.id) } });
    await feed.close();
    const stored = await waitFor(
      () => db.organisation.findUniqueOrThrow({ where: { id: organisation.id } }),
      (org) => org.connectStatus === "ENABLED",
    );
    expect(stored).toMatchObject({ connectStatus: "ENABLED", chargesEnabled: true, payoutsEnabled: true });
    expect(await paidPublishingBlocker(organisation.id)).toBeNull();
    expect(stripe.callsTo("GET", `/v1/accounts/${accountId}`).length).toBeGreaterThanOrEqual(1);
    expect(await db.notification.count({ where: { userId: coOwner.id, kind: "payouts.enabled" } })).toBe(1);
    expect(await db.notification.count({ where: { userId: manager.id, kind: "payouts.enabled" } })).toBe(0);
    const completed = () => worker.output.some((line) => line.includes(`stripe.event-${event.id}`) && line.includes("job completed"));
    expect(await waitFor(async () => completed(), Boolean)).toBe(true);

    // An older event delivered late does not undo the newer state: the handler reads the account from Stripe.
    const stale = stripeEvent("account.updated", { ...account, charges_enabled: false, payouts_enabled: false, details_submitted: false }, { account: accountId });
    const stalePayload = JSON.stringify(stale);
    expect((await deliverWebhook(web.url, stalePayload, signWebhook(stalePayload, WEBHOOK_SECRET))).status).toBe(200);
    await waitFor(
      () => db.stripeEvent.findUniqueOrThrow({ where: { id: stale.id } }),
      (row) => row.processedAt !== null,
    );
    expect(await db.organisation.findUniqueOrThrow({ where: { id: organisation.id } })).toMatchObject({ connectStatus: "ENABLED", chargesEnabled: true });

    const page = await (await owner.request(payoutsPage(organisation.id))).text();
    expect(page).toContain("Enabled");
    expect(page).not.toContain("Set up payouts with Stripe");
  });

  it("reads the account from Stripe when the owner comes back from Stripe's form, before any webhook", async () => {
    const { organisation, owner, user, accountId } = await ownerWithOnboardingStarted();
    const stillPending = await (await owner.request(`${payoutsPage(organisation.id)}?from=stripe`)).text();
    expect(stillPending).toContain("Welcome back");
    expect(stillPending).toContain("Pending");

    stripe.updateAccount(accountId, { charges_enabled: true, payouts_enabled: true, details_submitted: true });
    const page = await owner.request(`${payoutsPage(organisation.id)}?from=stripe`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Enabled");
    expect(html).not.toContain("Finish payout setup");
    expect(await db.organisation.findUniqueOrThrow({ where: { id: organisation.id } })).toMatchObject({ connectStatus: "ENABLED", chargesEnabled: true });
    expect(await db.notification.count({ where: { userId: user.id, kind: "payouts.enabled" } })).toBe(1);
  });

  it("shows Stripe's restriction when the account is submitted but payments are held back", async () => {
    const { organisation, accountId } = await ownerWithOnboardingStarted();
    const account = stripe.updateAccount(accountId, { details_submitted: true, charges_enabled: false, payouts_enabled: false });
    const event = stripeEvent("account.updated", account, { account: accountId });
    const payload = JSON.stringify(event);
    expect((await deliverWebhook(web.url, payload, signWebhook(payload, WEBHOOK_SECRET))).status).toBe(200);
    const stored = await waitFor(
      () => db.organisation.findUniqueOrThrow({ where: { id: organisation.id } }),
      (org) => org.connectStatus === "RESTRICTED",
    );
    expect(stored.connectStatus).toBe("RESTRICTED");
  });

  it("takes an owner from /organiser/payouts to their organisation's page, and tells others who can set it up", async () => {
    const { organisation, user } = await createOrganisation("OWNER");
    const owner = await loggedIn(web.url, user.email);
    const response = await owner.request("/organiser/payouts");
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(payoutsPage(organisation.id));

    const manager = await loggedIn(web.url, (await addMember(organisation.id, "MANAGER")).email);
    const page = await manager.request("/organiser/payouts");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Only owners of an organisation set up its payouts");
  });

  it("lets only owners set up payouts: a manager gets 403, another organisation's owner 404", async () => {
    const { organisation } = await createOrganisation("OWNER");
    const manager = await loggedIn(web.url, (await addMember(organisation.id, "MANAGER")).email);
    const stranger = await loggedIn(web.url, (await createOrganisation("OWNER")).user.email);
    const accountsBefore = stripe.callsTo("POST", "/v1/accounts").length;

    expect((await manager.request(payoutsPage(organisation.id))).status).toBe(403);
    expect((await manager.post(payoutsPage(organisation.id), { intent: "start-payouts" })).status).toBe(403);
    expect((await manager.request(`${payoutsPage(organisation.id)}/refresh`)).status).toBe(403);
    expect((await stranger.request(payoutsPage(organisation.id))).status).toBe(404);
    expect((await stranger.post(payoutsPage(organisation.id), { intent: "start-payouts" })).status).toBe(404);

    expect(stripe.callsTo("POST", "/v1/accounts").length).toBe(accountsBefore);
    expect((await db.organisation.findUniqueOrThrow({ where: { id: organisation.id } })).stripeAccountId).toBeNull();
  });
});

describe("payouts without Stripe (demo payment mode)", () => {
  let demoWeb: Awaited<ReturnType<typeof startWeb>>;
  beforeAll(async () => {
    demoWeb = await startWeb(testEnv());
  });
  afterAll(async () => {
    await demoWeb?.stop();
  });

  it("explains that payout setup is unavailable and does not block paid races", async () => {
    const { organisation, user } = await createOrganisation("OWNER");
    const owner = await loggedIn(demoWeb.url, user.email);
    const page = await owner.request(payoutsPage(organisation.id));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Payout setup is unavailable here");
    expect(html).not.toContain("Set up payouts with Stripe");

    const attempt = await owner.post(payoutsPage(organisation.id), { intent: "start-payouts" });
    expect(attempt.status).toBe(409);
    expect((await owner.request(`${payoutsPage(organisation.id)}/refresh`)).headers.get("Location")).toBe(payoutsPage(organisation.id));
    expect((await db.organisation.findUniqueOrThrow({ where: { id: organisation.id } })).stripeAccountId).toBeNull();
    expect(await paidPublishingBlocker(organisation.id)).toBeNull();
  });

  it("verifies demo webhooks with its own derived secret, so a guessed secret stores nothing", async () => {
    const event = stripeEvent("customer.created", { id: "cus_demo", object: "customer" });
    const payload = JSON.stringify(event);
    const response = await deliverWebhook(demoWeb.url, payload, signWebhook(payload, "whsec_guessed"));
    expect(response.status).toBe(400);
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(0);
  });
});

describe("platformFeeFor", () => {
  it("takes PLATFORM_FEE_BPS of the total unless the organisation has its own rate", async () => {
    const { organisation: standard } = await createOrganisation("OWNER");
    const { organisation: discounted } = await createOrganisation("OWNER");
    await db.organisation.update({ where: { id: discounted.id }, data: { platformFeeBps: 150 } });
    expect(await platformFeeFor(standard.id, 4_250)).toBe(128);
    expect(await platformFeeFor(discounted.id, 4_250)).toBe(64);
  });
});
