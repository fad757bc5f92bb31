import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env.server";

/** Every process needs a session secret; tests pass one unless they are about it. */
const SECRET = { SESSION_SECRET: "s".repeat(40) };

function problems(source: Record<string, string>) {
  try {
    parseEnv({ ...SECRET, ...source });
    return [];
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
}

describe("parseEnv", () => {
  it("runs locally with nothing configured but a session secret, listening on this machine only", () => {
    const env = parseEnv(SECRET);
    expect(env).toMatchObject({ PORT: 3000, appOrigin: "http://localhost:3000", useOutbox: true, outboxPages: false, secureCookies: false, listenHost: "127.0.0.1" });
    expect(env.DATABASE_URL).toBe("postgresql://postgres@127.0.0.1:5432/startline");
    expect(env.REDIS_URL).toBe("redis://127.0.0.1:6379");
  });

  it("lets PORT, DATABASE_URL and REDIS_URL override the defaults", () => {
    const env = parseEnv({ ...SECRET, PORT: "4100", DATABASE_URL: "postgres://u@db:5433/x", REDIS_URL: "redis://cache:6380" });
    expect(env).toMatchObject({ PORT: 4100, DATABASE_URL: "postgres://u@db:5433/x", REDIS_URL: "redis://cache:6380", appOrigin: "http://localhost:4100" });
  });

  it("names every malformed variable", () => {
    expect(problems({ PORT: "eighty", DATABASE_URL: "mysql://x", REDIS_URL: "nope", SMTP_URL: "http://mail" })).toEqual([
      expect.stringMatching(/^PORT: /),
      "DATABASE_URL: must be a postgresql:// URL",
      "REDIS_URL: must be a redis:// URL",
      "SMTP_URL: must be an smtp:// or smtps:// URL",
    ]);
  });

  it("refuses to start without a session secret in every mode, demo mode included", () => {
    for (const mode of [{}, { NODE_ENV: "production", DEMO_MODE: "true" }, { NODE_ENV: "development", DEMO_MODE: "true" }]) {
      expect(() => parseEnv(mode)).toThrow(/SESSION_SECRET: is required: `npm run demo` writes a random one to \.env/);
    }
    expect(problems({ SESSION_SECRET: "too-short" })).toEqual(["SESSION_SECRET: must be at least 32 characters (e.g. `openssl rand -hex 32`)"]);
  });

  it("derives the demo webhook secret from the session secret, so each installation has its own", () => {
    const one = parseEnv({ SESSION_SECRET: "a".repeat(40) }).webhookSecret;
    const other = parseEnv({ SESSION_SECRET: "b".repeat(40) }).webhookSecret;
    expect(one).toMatch(/^whsec_demo[0-9a-f]{32}$/);
    expect(other).not.toBe(one);
    expect(parseEnv({ SESSION_SECRET: "a".repeat(40), STRIPE_WEBHOOK_SECRET: "whsec_set" }).webhookSecret).toBe("whsec_set");
  });

  it("shows the outbox pages in demo mode without SMTP only", () => {
    expect(parseEnv({ ...SECRET, DEMO_MODE: "true" }).outboxPages).toBe(true);
    expect(parseEnv({ ...SECRET, DEMO_MODE: "true", SMTP_URL: "smtp://127.0.0.1:1025" }).outboxPages).toBe(false);
    expect(parseEnv({ ...SECRET, NODE_ENV: "development" }).outboxPages).toBe(false);
  });

  it("listens on every interface when deployed, and where HOST says otherwise", () => {
    const deployed = { ...SECRET, NODE_ENV: "production", APP_URL: "https://races.example.org", SMTP_URL: "smtp://mail.example.org", STRIPE_SECRET_KEY: "sk_test_1", STRIPE_WEBHOOK_SECRET: "whsec_1" };
    expect(parseEnv(deployed).listenHost).toBeUndefined();
    expect(parseEnv({ ...SECRET, NODE_ENV: "production", DEMO_MODE: "true" }).listenHost).toBe("127.0.0.1");
    expect(parseEnv({ ...SECRET, DEMO_MODE: "true", HOST: "0.0.0.0" }).listenHost).toBe("0.0.0.0");
  });

  it("requires SMTP and https in production", () => {
    expect(problems({ NODE_ENV: "production", APP_URL: "http://races.example.org" })).toEqual([
      "APP_URL: must be https:// in production",
      "SMTP_URL: is required in production (the local outbox is for development and demo mode)",
      "STRIPE_SECRET_KEY: is required in production (simulated payments are for development and demo mode)",
    ]);
  });

  it("marks cookies Secure when served over https", () => {
    const env = parseEnv({
      ...SECRET,
      NODE_ENV: "production",
      APP_URL: "https://races.example.org",
      SMTP_URL: "smtp://mail.example.org:587",
      STRIPE_SECRET_KEY: "sk_test_abc123",
      STRIPE_WEBHOOK_SECRET: "whsec_abc123",
    });
    expect(env.secureCookies).toBe(true);
    expect(env.useOutbox).toBe(false);
  });

  it("refuses demo mode anywhere but a local address", () => {
    expect(problems({ DEMO_MODE: "true", APP_URL: "https://races.example.org" })).toEqual([
      "DEMO_MODE: demo mode only runs on a local address, but APP_URL is https://races.example.org",
    ]);
    expect(parseEnv({ ...SECRET, NODE_ENV: "production", DEMO_MODE: "true" }).DEMO_MODE).toBe(true);
  });

  it("simulates payments without Stripe and charges the default platform fee", () => {
    expect(parseEnv(SECRET)).toMatchObject({ paymentMode: "demo", PLATFORM_FEE_BPS: 300 });
    const env = parseEnv({
      ...SECRET,
      STRIPE_SECRET_KEY: "sk_test_123",
      STRIPE_WEBHOOK_SECRET: "whsec_456",
      STRIPE_API_BASE: "http://127.0.0.1:12111",
      PLATFORM_FEE_BPS: "250",
    });
    expect(env).toMatchObject({ paymentMode: "stripe", PLATFORM_FEE_BPS: 250, STRIPE_API_BASE: "http://127.0.0.1:12111" });
  });

  it("names malformed Stripe settings and a secret key without its webhook secret", () => {
    expect(problems({ STRIPE_SECRET_KEY: "pk_test_123", STRIPE_WEBHOOK_SECRET: "secret", STRIPE_API_BASE: "ftp://x", PLATFORM_FEE_BPS: "12.5" })).toEqual([
      "STRIPE_SECRET_KEY: must be a Stripe secret or restricted key (it starts with sk_ or rk_)",
      "STRIPE_WEBHOOK_SECRET: must be a webhook signing secret (whsec_…)",
      "STRIPE_API_BASE: must be an http:// or https:// URL (e.g. http://127.0.0.1:12111)",
      "PLATFORM_FEE_BPS: must be a whole number of basis points (300 = 3%)",
    ]);
    expect(problems({ PLATFORM_FEE_BPS: "20000" })).toEqual(["PLATFORM_FEE_BPS: must be between 0 and 10000 basis points"]);
    expect(problems({ STRIPE_SECRET_KEY: "sk_test_123" })).toEqual([
      "STRIPE_WEBHOOK_SECRET: is required with STRIPE_SECRET_KEY (without it no payment or payout update would ever be confirmed)",
    ]);
  });

  it("offers AI only with an OpenAI key, and names a bad AI setting", () => {
    expect(parseEnv(SECRET)).toMatchObject({ aiConfigured: false, OPENAI_MODEL: "gpt-4o-mini", AI_TIMEOUT_MS: 60_000, AI_JOBS_PER_HOUR: 30 });
    expect(parseEnv({ ...SECRET, OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: "http://127.0.0.1:4010/v1" })).toMatchObject({ aiConfigured: true, OPENAI_BASE_URL: "http://127.0.0.1:4010/v1" });
    expect(problems({ OPENAI_BASE_URL: "127.0.0.1:4010", AI_TIMEOUT_MS: "10", AI_JOBS_PER_HOUR: "0" })).toEqual([
      "OPENAI_BASE_URL: must be an http:// or https:// URL ending in /v1 (e.g. http://127.0.0.1:4010/v1)",
      "AI_TIMEOUT_MS: must be at least 1000 ms",
      "AI_JOBS_PER_HOUR: must be a whole number of at least 1",
    ]);
  });

  it("trusts X-Forwarded-For only through a hop count or listed proxies", () => {
    expect(parseEnv(SECRET).TRUST_PROXY).toBe(0);
    expect(parseEnv({ ...SECRET, TRUST_PROXY: "false" }).TRUST_PROXY).toBe(0);
    expect(parseEnv({ ...SECRET, TRUST_PROXY: "2" }).TRUST_PROXY).toBe(2);
    expect(parseEnv({ ...SECRET, TRUST_PROXY: "10.0.0.0/8, 127.0.0.1,::1,fd00::/8,loopback" }).TRUST_PROXY).toEqual(["10.0.0.0/8", "127.0.0.1", "::1", "fd00::/8", "loopback"]);
  });

  it.each(["true", "TRUE", "0.0.0.0/0", "::/0", "10.0.0.0/33", "proxy.internal", "10.0.0.1,", "1.5"])("refuses TRUST_PROXY=%s, naming the forms it takes", (value) => {
    const [problem, ...others] = problems({ TRUST_PROXY: value });
    expect(others).toEqual([]);
    expect(problem).toMatch(/^TRUST_PROXY: /);
    expect(problem).toContain("set the number of proxies in front of Startline (e.g. 1), or their addresses or CIDR ranges");
  });

  it("says why TRUST_PROXY=true is refused", () => {
    expect(problems({ TRUST_PROXY: "true" })[0]).toMatch(/^TRUST_PROXY: "true" would believe any X-Forwarded-For header; set the number/);
  });
});
