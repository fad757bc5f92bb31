import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { db } from "~/utils/db.server";
import { deliverWebhook, signWebhook, stripeEvent } from "../mocks/stripe";
import { createOrganisation, createRace } from "../support/factories";
import { Client } from "../support/http";
import { startWebForTest, useStack } from "../support/stack";
import { loggedIn } from "../support/session";

const WEBHOOK_SECRET = "whsec_startline_headers_secret";
/** The start of a PNG: what the upload checks. */
const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");
const uploads = mkdtempSync(join(tmpdir(), "startline-uploads-"));
const { web } = useStack({ env: { UPLOAD_DIR: uploads, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET } });

afterAll(async () => {
  rmSync(uploads, { recursive: true, force: true });
});

/** The headers every response carries, whatever served it. */
function expectSecurityHeaders(response: Response) {
  const csp = response.headers.get("Content-Security-Policy") ?? "";
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
  expect(response.headers.get("Referrer-Policy")).toBe("same-origin");
  expect(response.headers.get("X-Frame-Options")).toBe("DENY");
  // This server's APP_URL is http: no HSTS.
  expect(response.headers.get("Strict-Transport-Security")).toBeNull();
  return csp;
}

function nonceOf(csp: string) {
  return /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
}

async function ownerWithRace() {
  const { user } = await createOrganisation("OWNER");
  const organisation = await db.organisationMember.findFirstOrThrow({ where: { userId: user.id }, select: { organisationId: true } });
  const race = await createRace(organisation.organisationId, { status: "PUBLISHED" });
  return { race, client: await loggedIn(web.url, user.email) };
}

/** A POST whose body is sent in chunks without a Content-Length, as a streaming client would. */
function postChunked(path: string, chunks: number, chunkBytes: number, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(new URL(path, web.url), { method: "POST", headers: { ...headers, "Transfer-Encoding": "chunked" } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    const chunk = "a".repeat(chunkBytes);
    const write = (left: number) => {
      if (left === 0 || req.destroyed) return void req.end();
      req.write(chunk, () => write(left - 1));
    };
    write(chunks);
  });
}

describe("security headers", () => {
  it("gives an HTML page a Content-Security-Policy whose fresh nonce every inline script carries", async () => {
    const first = await new Client(web.url).request("/races");
    const csp = expectSecurityHeaders(first);
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    const nonce = nonceOf(csp);
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    const html = await first.text();
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const script of scripts) expect(script).toContain(`nonce="${nonce}"`);

    const second = await new Client(web.url).request("/races");
    expect(nonceOf(second.headers.get("Content-Security-Policy") ?? "")).not.toBe(nonce);
  });

  it("sends them on a live feed, a static asset, health checks and refusals too", async () => {
    const { race } = await ownerWithRace();
    const controller = new AbortController();
    const feed = await fetch(`${web.url}/races/${race.slug}/live`, { headers: { Accept: "text/event-stream" }, signal: controller.signal });
    expect(feed.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
    expectSecurityHeaders(feed);
    controller.abort();

    const html = await (await fetch(`${web.url}/races`)).text();
    const asset = /href="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const script = await fetch(`${web.url}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get("Content-Type")).toMatch(/javascript/);
    expectSecurityHeaders(script);

    expectSecurityHeaders(await fetch(`${web.url}/healthz`));
    const crossSite = await fetch(`${web.url}/login`, { method: "POST", headers: { Origin: "https://evil.example" }, body: new URLSearchParams({ email: "x" }) });
    expect(crossSite.status).toBe(403);
    expectSecurityHeaders(crossSite);
  });

  it("sends HSTS only when APP_URL is https", async () => {
    const https = await startWebForTest({ APP_URL: "https://localhost:8443" });
    const response = await fetch(`${https.url}/races`);
    expect(response.headers.get("Strict-Transport-Security")).toBe("max-age=31536000; includeSubDomains");
    expect(response.headers.get("Content-Security-Policy")).toContain("upgrade-insecure-requests");
    expect((await fetch(`${web.url}/races`)).headers.get("Content-Security-Policy")).not.toContain("upgrade-insecure-requests");
  });
});

describe("uploads", () => {
  it("serves an uploaded image with its checked type, nosniff and a policy that runs nothing", async () => {
    const { race, client } = await ownerWithRace();
    const form = new FormData();
    // The browser's claimed type and name do not matter: the bytes decide.
    form.set("cover", new Blob([PNG], { type: "text/html" }), "cover.html");
    expect((await client.request(`/organiser/races/${race.id}?index`, { method: "POST", body: form, headers: { Origin: web.url } })).status).toBe(200);
    const { coverImageKey } = await db.race.findUniqueOrThrow({ where: { id: race.id } });
    const image = await fetch(`${web.url}/uploads/${coverImageKey}`);
    expect(image.status).toBe(200);
    expect(image.headers.get("Content-Type")).toBe("image/png");
    expect(image.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(image.headers.get("Content-Security-Policy")).toBe("default-src 'none'; sandbox");
  });

  it("never serves a file of another kind from the uploads folder", async () => {
    mkdirSync(join(uploads, "covers"), { recursive: true });
    writeFileSync(join(uploads, "covers", "evil.svg"), `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`);
    writeFileSync(join(uploads, "covers", "evil.html"), "<script>alert(1)</script>");
    writeFileSync(join(uploads, "covers", "evil"), "<script>alert(1)</script>");
    for (const name of ["evil.svg", "evil.html", "evil", "EVIL.SVG"]) {
      const response = await fetch(`${web.url}/uploads/covers/${name}`);
      expect(response.status).toBe(404);
      expect(response.headers.get("Content-Type")).toMatch(/^text\/plain/);
    }
  });
});

describe("request body limits", () => {
  it("answers 413 to a form over 1 MB before the action runs, so nothing is written", async () => {
    const { race, client } = await ownerWithRace();
    const tooLong = await client.post(`/races/${race.slug}/rooms`, { intent: "create", name: "Big", teamName: "x".repeat(1024 * 1024), maxMembers: "5", visibility: "PUBLIC" });
    expect(tooLong.status).toBe(413);
    expect(await tooLong.text()).toBe("This form is too large to send (the limit is 1 MB). Shorten what you typed or choose a smaller file, then try again.");
    expectSecurityHeaders(tooLong);
    const chunked = await postChunked(`/races/${race.slug}/rooms`, 20, 64 * 1024, {
      "Content-Type": "application/x-www-form-urlencoded",
      Cookie: client.cookieHeader(),
      Origin: web.url,
    });
    expect(chunked.status).toBe(413);
    expect(await db.room.count({ where: { raceId: race.id } })).toBe(0);

    // Just under the limit is a normal form post (refused by the form's own rules here, not by size).
    const allowed = await client.post(`/races/${race.slug}/rooms`, { intent: "create", name: "Big", teamName: "x".repeat(900 * 1024), maxMembers: "5", visibility: "PUBLIC" });
    expect(allowed.status).toBe(400);
    expect(await allowed.text()).toContain("Keep the team name to 60 characters.");
  });

  it("answers 413 to an upload over 6 MB (a cover is at most 5 MB), storing nothing", async () => {
    const { race, client } = await ownerWithRace();
    const form = new FormData();
    form.set("cover", new Blob([PNG, Buffer.alloc(7 * 1024 * 1024)], { type: "image/png" }), "huge.png");
    const response = await client.request(`/organiser/races/${race.id}?index`, { method: "POST", body: form, headers: { Origin: web.url } });
    expect(response.status).toBe(413);
    expect(await response.text()).toContain("the limit is 6 MB");
    expect((await db.race.findUniqueOrThrow({ where: { id: race.id } })).coverImageKey).toBeNull();
    const covers = join(uploads, "covers");
    expect(existsSync(covers) ? readdirSync(covers).filter((name) => name.startsWith(race.id)) : []).toEqual([]);
  });

  it("answers 413 to a webhook body over 512 KB, even correctly signed, and records nothing", async () => {
    const event = stripeEvent("customer.created", { id: "cus_big", object: "customer", description: "x".repeat(600 * 1024) });
    const payload = JSON.stringify(event);
    const response = await deliverWebhook(web.url, payload, signWebhook(payload, WEBHOOK_SECRET));
    expect(response.status).toBe(413);
    expect(await response.text()).toBe("Payload too large: webhook bodies are limited to 512 KB.");
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(0);

    const small = stripeEvent("customer.created", { id: "cus_small", object: "customer" });
    const smallPayload = JSON.stringify(small);
    const accepted = await deliverWebhook(web.url, smallPayload, signWebhook(smallPayload, WEBHOOK_SECRET));
    expect(accepted.status).toBe(200);
    expect(await db.stripeEvent.count({ where: { id: small.id } })).toBe(1);
  });
});
