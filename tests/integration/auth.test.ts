import { describe, expect, it } from "vitest";
import { db } from "~/utils/db.server";
import { Client, uniqueEmail } from "../support/http";
import { useStack } from "../support/stack";

const { web } = useStack({ env: { LOGIN_MAX_FAILURES_PER_ACCOUNT: "3" } });

async function signUp(client: Client, email = uniqueEmail(), password = "correct-horse-battery") {
  const response = await client.post("/signup", { name: "Ada Runner", email, password, redirectTo: "/account" });
  return { response, email, password };
}

describe("sign up", () => {
  it("creates the account with an argon2id hash, signs the user in and queues a welcome email", async () => {
    const client = new Client(web.url);
    const { response, email } = await signUp(client);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/account");
    const cookie = response.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);

    const user = await db.user.findUniqueOrThrow({ where: { email }, include: { emails: true, sessions: true } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(user.emails.map((e) => e.kind)).toEqual(["welcome"]);
    expect(user.sessions).toHaveLength(1);

    const account = await client.request("/account");
    expect(account.status).toBe(200);
    expect(await account.text()).toContain(email);
  });

  it("shows field errors for bad input and writes nothing", async () => {
    const client = new Client(web.url);
    const response = await client.post("/signup", { name: "", email: "not-an-email", password: "short" });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("Enter your name");
    expect(html).toContain("Enter a valid email address");
    expect(html).toContain("Use at least 10 characters");
    expect(await db.user.count({ where: { email: "not-an-email" } })).toBe(0);
  });

  it("refuses a second account with the same email, case-insensitively", async () => {
    const email = uniqueEmail();
    await signUp(new Client(web.url), email);
    const { response } = await signUp(new Client(web.url), email.toUpperCase());
    expect(response.status).toBe(409);
    expect(await response.text()).toContain("An account with this email already exists");
  });
});

describe("log in and out", () => {
  it("rejects a wrong password with a clear message and no session", async () => {
    const { email } = await signUp(new Client(web.url));
    const client = new Client(web.url);
    const response = await client.post("/login", { email, password: "wrong-password" });
    expect(response.status).toBe(401);
    expect(await response.text()).toContain("That email and password do not match an account.");
    expect(client.cookie("startline_session")).toBeUndefined();
  });

  it("issues a new session id on login, revokes the old one, and returns to redirectTo", async () => {
    const client = new Client(web.url);
    const { email, password } = await signUp(client);
    const before = client.cookie("startline_session");
    const response = await client.post("/login", { email, password, redirectTo: "/notifications?page=1" });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/notifications?page=1");
    expect(client.cookie("startline_session")).toBeDefined();
    expect(client.cookie("startline_session")).not.toBe(before);
    expect((await client.request("/notifications?page=1")).status).toBe(200);

    const stale = new Client(web.url);
    stale.setCookie("startline_session", before!);
    const staleAccount = await stale.request("/account");
    expect(staleAccount.status).toBe(302);
    expect(staleAccount.headers.get("Location")).toBe("/login?redirectTo=%2Faccount");
  });

  it.each(["//evil.example/steal", "/\t/evil.example", "/%09/evil.example", "/%5cevil.example", "/%2f%2fevil.example"])(
    "ignores the off-site redirectTo %j",
    async (redirectTo) => {
      const client = new Client(web.url);
      const { email, password } = await signUp(client);
      await client.post("/logout", {});
      const response = await client.post("/login", { email, password, redirectTo });
      expect(response.status).toBe(302);
      expect(response.headers.get("Location")).toBe("/");
    },
  );

  it("logout revokes the session server-side", async () => {
    const client = new Client(web.url);
    const { email } = await signUp(client);
    const sessionCookie = client.cookie("startline_session")!;
    const logout = await client.post("/logout", {});
    expect(logout.status).toBe(302);
    const user = await db.user.findUniqueOrThrow({ where: { email }, select: { sessions: true } });
    expect(user.sessions).toHaveLength(0);
    const replay = new Client(web.url);
    replay.setCookie("startline_session", sessionCookie);
    expect((await replay.request("/account")).status).toBe(302);
  });

  it("treats an expired session as signed out", async () => {
    const client = new Client(web.url);
    const { email } = await signUp(client);
    await db.session.updateMany({ where: { user: { email } }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const response = await client.request("/account");
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toContain("/login");
  });

  it("rate limits failed logins per account with a clear message, even with the right password", async () => {
    const { email, password } = await signUp(new Client(web.url));
    const client = new Client(web.url);
    for (let i = 0; i < 3; i++) expect((await client.post("/login", { email, password: "nope-nope-nope" })).status).toBe(401);
    const blocked = await client.post("/login", { email, password });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await blocked.text()).toMatch(/Too many login attempts\. Wait \d+ minutes? and try again/);
  });

  it("lets no more than the limit of parallel wrong guesses reach the password check", async () => {
    const { email, password } = await signUp(new Client(web.url));
    const guesses = await Promise.all(Array.from({ length: 12 }, (_, i) => new Client(web.url).post("/login", { email, password: `guess-${i}-wrong` })));
    const statuses = guesses.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
    expect((await new Client(web.url).post("/login", { email, password })).status).toBe(429);
  });

  it("counts failures since the last success: a correct login starts the count again", async () => {
    const { email, password } = await signUp(new Client(web.url));
    for (let i = 0; i < 2; i++) expect((await new Client(web.url).post("/login", { email, password: "nope-nope-nope" })).status).toBe(401);
    expect((await new Client(web.url).post("/login", { email, password })).status).toBe(302);
    for (let i = 0; i < 3; i++) expect((await new Client(web.url).post("/login", { email, password: "nope-nope-nope" })).status).toBe(401);
    expect((await new Client(web.url).post("/login", { email, password })).status).toBe(429);
  });
});

describe("CSRF", () => {
  it("refuses a cross-site form post with 403 and does nothing", async () => {
    const client = new Client(web.url);
    await signUp(client);
    const response = await client.post("/logout", {}, { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("sent from another site");
    expect((await client.request("/account")).status).toBe(200);
  });

  it("refuses a foreign Origin even without Sec-Fetch-Site", async () => {
    const client = new Client(web.url);
    const response = await client.request("/signup", {
      method: "POST",
      body: new URLSearchParams({ name: "X", email: uniqueEmail(), password: "long-enough-password" }),
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.example" },
    });
    expect(response.status).toBe(403);
  });
});

describe("authorisation helpers and pages", () => {
  it("sends anonymous visitors of a protected page to log in, keeping where they wanted to go", async () => {
    const response = await new Client(web.url).request("/account");
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/login?redirectTo=%2Faccount");
  });

  it("serves a helpful 404 page for unknown URLs", async () => {
    const response = await new Client(web.url).request("/no/such/page");
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("We can&#x27;t find that page");
  });
});
