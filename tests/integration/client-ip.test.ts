import { describe, expect, it } from "vitest";
import { db } from "~/utils/db.server";
import { createOrganisation, createRace, createTicketType } from "../support/factories";
import { Client, uniqueEmail } from "../support/http";
import { startWebForTest, useStack } from "../support/stack";

/**
 * The client address behind rate limits, hold caps, sessions and waiver signatures comes from
 * X-Forwarded-For only through the proxies TRUST_PROXY names. Requests here come from 127.0.0.1.
 */
const { web: direct } = useStack({ env: { LOGIN_MAX_ATTEMPTS_PER_IP: "4" } });
const { web: oneHop } = useStack({ env: { TRUST_PROXY: "1", SIGNUP_MAX_PER_IP_PER_HOUR: "3", HOLDS_MAX_PER_IP: "2", PASSWORD_RESET_MAX_PER_IP_PER_HOUR: "2" } });
const { web: listed } = useStack({ env: { TRUST_PROXY: "10.0.0.0/8,127.0.0.1" } });
type Web = typeof direct;

async function signUp(web: Web, forwardedFor?: string) {
  const client = new Client(web.url);
  const email = uniqueEmail("ip");
  const headers: Record<string, string> = forwardedFor ? { "X-Forwarded-For": forwardedFor } : {};
  const response = await client.post("/signup", { name: "Ivy Address", email, password: "correct-horse-battery" }, headers);
  return { client, email, response, headers };
}

async function sessionIp(email: string) {
  const session = await db.session.findFirstOrThrow({ where: { user: { email } }, select: { ip: true } });
  return session.ip;
}

async function openRace() {
  const { organisation } = await createOrganisation();
  const race = await createRace(organisation.id, { status: "PUBLISHED" });
  const type = await createTicketType(race.id, { name: "10K", capacity: 100 });
  return { race, type };
}

describe("TRUST_PROXY", () => {
  it("refuses to start with TRUST_PROXY=true, naming the variable and the forms it takes", async () => {
    const failure = await startWebForTest({ TRUST_PROXY: "true" }).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(failure).toContain('TRUST_PROXY: "true" would believe any X-Forwarded-For header');
    expect(failure).toContain("set the number of proxies in front of Startline (e.g. 1), or their addresses or CIDR ranges");
  });

  it("ignores X-Forwarded-For from a peer it does not trust, for sessions and waiver signatures", async () => {
    const { client, email, response } = await signUp(direct, "203.0.113.9");
    expect(response.status).toBe(302);
    expect(await sessionIp(email)).toMatch(/^(::ffff:)?127\.0\.0\.1$/);

    const { race, type } = await openRace();
    await db.waiverVersion.create({ data: { raceId: race.id, version: 1, title: "Waiver", text: "I accept the risks.", contentHash: "hash-v1" } });
    const spoof = { "X-Forwarded-For": "203.0.113.9" };
    const held = await client.post(`/races/${race.slug}`, { [`qty_${type.id}`]: "1" }, spoof);
    expect(held.status).toBe(302);
    const orderId = held.headers.get("Location")!.split("/").pop()!;
    const ticket = await db.ticket.findFirstOrThrow({ where: { orderId } });
    const saved = await client.post(
      `/checkout/${orderId}`,
      {
        intent: "participant",
        ticketId: ticket.id,
        "participant.firstName": "Ivy",
        "participant.lastName": "Address",
        "participant.email": email,
        "participant.dateOfBirth": "1990-04-01",
        "participant.emergencyName": "Pat Contact",
        "participant.emergencyPhone": "+353 87 123 4567",
        signedName: "Ivy Address",
      },
      spoof,
    );
    expect(saved.status).toBe(200);
    const signature = await db.waiverSignature.findFirstOrThrow({ where: { participant: { ticketId: ticket.id } } });
    expect(signature.ip).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).clientIp).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });

  it("keeps the per-IP login limit when a client rotates X-Forwarded-For, even in parallel", async () => {
    const attempts = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        new Client(direct.url).post("/login", { email: uniqueEmail("guess"), password: "wrong-password" }, { "X-Forwarded-For": `198.51.100.${i + 1}` }),
      ),
    );
    const statuses = attempts.map((r) => r.status).sort();
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429, 429, 429, 429, 429]);
    const later = await new Client(direct.url).post("/login", { email: uniqueEmail("guess"), password: "wrong-password" }, { "X-Forwarded-For": "192.0.2.77" });
    expect(later.status).toBe(429);
  });

  it("with a hop count, takes the address the trusted proxy saw and ignores what the client prepended", async () => {
    const { email } = await signUp(oneHop, "203.0.113.9, 198.51.100.4");
    expect(await sessionIp(email)).toBe("198.51.100.4");
  });

  it("with a list of proxies, walks back through the listed ones only", async () => {
    const { email } = await signUp(listed, "203.0.113.9, 198.51.100.4, 10.1.2.3");
    expect(await sessionIp(email)).toBe("198.51.100.4");
  });
});

describe("per-address limits behind a trusted proxy", () => {
  it("limits sign-ups per client address, counted before the password is hashed, even in parallel", async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => signUp(oneHop, `203.0.113.${i}, 198.51.100.30`)));
    const created = results.filter((r) => r.response.status === 302);
    const refused = results.filter((r) => r.response.status === 429);
    expect(created).toHaveLength(3);
    expect(refused).toHaveLength(3);
    for (const { response, email } of refused) {
      expect(Number(response.headers.get("Retry-After"))).toBeGreaterThan(0);
      expect(await response.text()).toMatch(/Too many accounts were created from your network\. Wait \d+ minutes? and try again\./);
      expect(await db.user.count({ where: { email } })).toBe(0);
    }
    // Another client address behind the same proxy is not affected.
    expect((await signUp(oneHop, "198.51.100.31")).response.status).toBe(302);
  });

  it("limits password reset requests per client address, whatever addresses they name", async () => {
    const ask = (email: string) => new Client(oneHop.url).post("/forgot-password", { email }, { "X-Forwarded-For": "198.51.100.60" });
    expect((await ask(uniqueEmail("a"))).status).toBe(200);
    expect((await ask(uniqueEmail("b"))).status).toBe(200);
    const refused = await ask(uniqueEmail("c"));
    expect(refused.status).toBe(429);
    expect(await refused.text()).toMatch(/Too many password reset requests\. Wait \d+ minutes? and try again\./);
  });

  it("caps the checkouts one client address holds at once with a clear 429; one buyer's parallel clicks from two devices keep one hold", async () => {
    const { race, type } = await openRace();
    const buyers = await Promise.all([0, 1, 2].map(() => signUp(oneHop, "198.51.100.40")));
    const register = (client: Client, address: string) => client.post(`/races/${race.slug}`, { [`qty_${type.id}`]: "1" }, { "X-Forwarded-For": address });
    const [first, second, third] = buyers.map((b) => b.client) as [Client, Client, Client];
    expect((await register(first, "198.51.100.40")).status).toBe(302);
    expect((await register(second, "198.51.100.40")).status).toBe(302);
    const refused = await register(third, "198.51.100.40");
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain("Too many checkouts are open from your network right now (at most 2).");
    expect((await register(third, "198.51.100.41")).status).toBe(302);

    // The same buyer from two addresses at once (no shared per-address lock): no 500, one hold.
    const parallel = await Promise.all(["198.51.100.50", "198.51.100.51", "198.51.100.52"].map((address) => register(third, address)));
    expect(parallel.map((r) => r.status)).toEqual([302, 302, 302]);
    const buyer = await db.user.findUniqueOrThrow({ where: { email: buyers[2]!.email }, select: { id: true } });
    expect(await db.order.count({ where: { raceId: race.id, buyerId: buyer.id, status: "PENDING" } })).toBe(1);
  });
});
