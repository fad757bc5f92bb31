import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { getQueue } from "~/jobs/queues.server";
import { verificationLink } from "~/services/email-verification.server";
import { db } from "~/utils/db.server";
import { createOrganisation, createRace, createTicketType, createUser, TEST_PASSWORD } from "../support/factories";
import { Client, uniqueEmail } from "../support/http";
import { useStack } from "../support/stack";
import { loggedIn } from "../support/session";
import { waitFor } from "../support/wait";

const { web } = useStack({ worker: true });

/** Runs `action`, then waits for the new email of this kind to this address that it caused. */
async function newEmailTo(to: string, kind: string, action: () => Promise<unknown>) {
  const seen = new Set((await db.emailMessage.findMany({ where: { to, kind }, select: { id: true } })).map((e) => e.id));
  await action();
  const found = await waitFor(
    () => db.emailMessage.findFirst({ where: { to, kind, id: { notIn: [...seen] } } }),
    (email) => email !== null,
  );
  if (!found) throw new Error(`no new ${kind} email to ${to}`);
  return found;
}

function linkIn(text: string, path: string) {
  const match = new RegExp(`https?://[^\\s]+(${path}/[A-Za-z0-9._-]+)`).exec(text);
  if (!match) throw new Error(`no ${path} link in:\n${text}`);
  return match[1]!;
}

async function askForReset(email: string, client = new Client(web.url)) {
  return client.post("/forgot-password", { email });
}

async function resetLink(email: string) {
  return linkIn((await newEmailTo(email, "password-reset", () => askForReset(email))).text, "/reset-password");
}

async function isSignedIn(client: Client) {
  return (await client.request("/account")).status === 200;
}

describe("password reset", () => {
  it("emails a hashed, single-use link valid for an hour; using it signs out every other session", async () => {
    const user = await createUser();
    const [laptop, phone] = [await loggedIn(web.url, user.email), await loggedIn(web.url, user.email)];
    const before = Date.now();
    const link = await resetLink(user.email);
    const token = link.split("/").pop()!;

    const stored = await db.passwordResetToken.findFirstOrThrow({ where: { userId: user.id } });
    expect(stored.tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored.expiresAt.getTime() - before).toBeGreaterThanOrEqual(59 * 60_000);
    expect(stored.expiresAt.getTime() - before).toBeLessThanOrEqual(61 * 60_000);

    const browser = new Client(web.url);
    const form = await browser.request(link);
    expect(form.status).toBe(200);
    expect(form.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(await form.text()).toContain(`For ${user.email}. Every device signed in to this account will be signed out.`);

    const mismatch = await browser.post(link, { password: "a-brand-new-password", confirmPassword: "another-password" });
    expect(mismatch.status).toBe(400);
    expect(await mismatch.text()).toContain("The two passwords are not the same");

    const saved = await browser.post(link, { password: "a-brand-new-password", confirmPassword: "a-brand-new-password" });
    expect(saved.status).toBe(302);
    expect(saved.headers.get("Location")).toBe("/account");
    expect(await isSignedIn(browser)).toBe(true);
    expect(await isSignedIn(laptop)).toBe(false);
    expect(await isSignedIn(phone)).toBe(false);
    expect(await db.session.count({ where: { userId: user.id } })).toBe(1);

    expect((await new Client(web.url).post("/login", { email: user.email, password: TEST_PASSWORD })).status).toBe(401);
    expect((await new Client(web.url).post("/login", { email: user.email, password: "a-brand-new-password" })).status).toBe(302);

    const reused = await new Client(web.url).request(link);
    expect(reused.status).toBe(410);
    expect(await reused.text()).toContain("This reset link has expired or was already used.");
    const replay = await new Client(web.url).post(link, { password: "attacker-password-1", confirmPassword: "attacker-password-1" });
    expect(replay.status).toBe(410);
    expect((await new Client(web.url).post("/login", { email: user.email, password: "attacker-password-1" })).status).toBe(401);
  });

  it("answers the same whether or not the address has an account, and emails only real accounts", async () => {
    const user = await createUser();
    const stranger = uniqueEmail("nobody");
    const answer = async (email: string) => {
      const response = await askForReset(email);
      // Every response has its own Content-Security-Policy nonce; the rest must be the same.
      const page = (await response.text()).replaceAll(email, "EMAIL").replace(/nonce="[^"]+"/g, 'nonce="NONCE"');
      return { status: response.status, page };
    };
    let known: Awaited<ReturnType<typeof answer>> | undefined;
    await newEmailTo(user.email, "password-reset", async () => (known = await answer(user.email)));
    const unknown = await answer(stranger);
    expect(unknown).toEqual(known);
    expect(unknown.status).toBe(200);
    expect(unknown.page).toContain("If an account exists for EMAIL, we have sent it a link to choose a new password.");

    const handled = await waitFor(
      () => getQueue("email").getJobs(["completed"]),
      (jobs) => jobs.some((job) => job.name === "auth.password-reset" && (job.data as { email: string }).email === stranger),
    );
    expect(handled.some((job) => (job.data as { email: string }).email === stranger)).toBe(true);
    expect(await db.emailMessage.count({ where: { to: stranger } })).toBe(0);
  });

  it("refuses an expired link, and a link used twice at once changes the password once", async () => {
    const user = await createUser();
    const expired = await resetLink(user.email);
    await db.passwordResetToken.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await new Client(web.url).request(expired)).status).toBe(410);
    expect((await new Client(web.url).post(expired, { password: "too-late-password", confirmPassword: "too-late-password" })).status).toBe(410);

    const link = await resetLink(user.email);
    const answers = await Promise.all(
      ["first-new-password", "second-new-password"].map((password) => new Client(web.url).post(link, { password, confirmPassword: password })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([302, 410]);
  });

  it("limits reset requests per address with a clear message", async () => {
    const user = await createUser();
    for (let i = 0; i < 3; i++) expect((await askForReset(user.email)).status).toBe(200);
    const refused = await askForReset(user.email);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await refused.text()).toMatch(/Too many password reset requests\. Wait \d+ minutes? and try again\./);
  });

  it("is linked from the login page", async () => {
    const html = await (await new Client(web.url).request("/login")).text();
    expect(html).toMatch(/<a[^>]*href="\/forgot-password"[^>]*>Forgot your password\?<\/a>/);
  });
});

async function raceReadyToPublish(organisationId: string) {
  const race = await createRace(organisationId);
  await createTicketType(race.id, { priceMinor: 0 });
  await db.waiverVersion.create({ data: { raceId: race.id, version: 1, title: "Waiver", text: "I accept the risks.", contentHash: "hash-v1" } });
  return race;
}

describe("email verification", () => {
  it("sends a signed link at sign-up; the link confirms the address, and a forged or expired one does not", async () => {
    const client = new Client(web.url);
    const email = uniqueEmail("verify");
    await client.post("/signup", { name: "Vera Verify", email, password: "correct-horse-battery" });
    const user = await db.user.findUniqueOrThrow({ where: { email } });
    expect(user.emailVerifiedAt).toBeNull();
    const link = linkIn((await db.emailMessage.findFirstOrThrow({ where: { to: email, kind: "welcome" } })).text, "/verify-email");

    const forged = `${link.slice(0, -3)}${link.endsWith("AAA") ? "BBB" : "AAA"}`;
    expect((await new Client(web.url).request(forged)).status).toBe(404);
    expect((await new Client(web.url).post(forged, {})).status).toBe(404);
    const otherUser = await createUser({ emailVerifiedAt: null });
    const borrowed = link.replace(user.id, otherUser.id);
    expect((await new Client(web.url).post(borrowed, {})).status).toBe(404);
    const old = new URL(verificationLink(user, new Date(Date.now() - 49 * 3600_000))).pathname;
    const stale = await new Client(web.url).request(old);
    expect(stale.status).toBe(410);
    expect(await stale.text()).toContain("This verification link has expired.");

    // Opening the link (e.g. a mail scanner) changes nothing; the button confirms, from any browser.
    const page = await new Client(web.url).request(link);
    expect(await page.text()).toContain(`Confirm that ${email} is your email address.`);
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).emailVerifiedAt).toBeNull();
    const confirmed = await new Client(web.url).post(link, {});
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain(`${email} is verified.`);
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).emailVerifiedAt).not.toBeNull();
    expect((await db.user.findUniqueOrThrow({ where: { id: otherUser.id } })).emailVerifiedAt).toBeNull();
  });

  it("lets an unverified account register for a race", async () => {
    const { organisation } = await createOrganisation();
    const race = await createRace(organisation.id, { status: "PUBLISHED" });
    const type = await createTicketType(race.id);
    const client = new Client(web.url);
    await client.post("/signup", { name: "Una Unverified", email: uniqueEmail("unverified"), password: "correct-horse-battery" });
    const held = await client.post(`/races/${race.slug}`, { [`qty_${type.id}`]: "1" });
    expect(held.status).toBe(302);
    expect(held.headers.get("Location")).toMatch(/^\/checkout\//);
  });

  it("keeps an unverified organiser from publishing, says why, resends the link, and publishes once verified", async () => {
    const owner = await createUser({ role: "ORGANISER", emailVerifiedAt: null });
    const { organisation } = await createOrganisation("OWNER", owner.id);
    const race = await raceReadyToPublish(organisation.id);
    const client = await loggedIn(web.url, owner.email);

    const refused = await client.post(`/organiser/races/${race.id}?index`, { intent: "publish" });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("Verify your email address before you publish a race: open the link we emailed you, or send a new one.");
    expect((await db.race.findUniqueOrThrow({ where: { id: race.id } })).status).toBe("DRAFT");
    const overview = await (await client.request(`/organiser/races/${race.id}`)).text();
    expect(overview).toContain("Verify your email address before you publish a race");
    expect(overview).toContain("Send a new verification link");

    let resent: Response | undefined;
    const email = await newEmailTo(owner.email, "verify-email", async () => (resent = await client.post("/verify-email", {})));
    expect(resent!.status).toBe(200);
    expect(await resent!.text()).toContain(`We sent a new link to ${owner.email}. It works for 48 hours.`);
    const link = linkIn(email.text, "/verify-email");
    for (let i = 0; i < 2; i++) expect((await client.post("/verify-email", {})).status).toBe(200);
    const tooMany = await client.post("/verify-email", {});
    expect(tooMany.status).toBe(429);
    expect(await tooMany.text()).toContain("We already sent several links.");

    expect((await client.post(link, {})).status).toBe(200);
    expect((await client.post(`/organiser/races/${race.id}?index`, { intent: "publish" })).status).toBe(200);
    expect((await db.race.findUniqueOrThrow({ where: { id: race.id } })).status).toBe("PUBLISHED");
  });
});
