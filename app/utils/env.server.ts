import { createHmac } from "node:crypto";
import { isIP } from "node:net";
import { z } from "zod";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** A URL whose scheme is one of `schemes`; one clear message whether it is malformed or of another kind. */
function urlWithScheme(schemes: string[], message: string) {
  return z.string().refine((value) => {
    try {
      return schemes.includes(new URL(value).protocol.replace(/:$/, ""));
    } catch {
      return false;
    }
  }, message);
}

const booleanFlag = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((value) => value === "true" || value === "1");

const TRUST_PROXY_FORMS =
  "set the number of proxies in front of Startline (e.g. 1), or their addresses or CIDR ranges separated by commas (e.g. 10.0.0.0/8,127.0.0.1; the names loopback, linklocal and uniquelocal also work); 0 or false trusts none";
/** Named ranges Express (proxy-addr) understands. */
const PROXY_RANGE_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

function isProxyAddress(entry: string) {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address = "", prefix, ...rest] = entry.split("/");
  const version = isIP(address);
  if (!version || rest.length) return false;
  if (prefix === undefined) return true;
  // A /0 range is every address: the same as trusting any X-Forwarded-For.
  return /^\d{1,3}$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * Which peers may tell us the client's address through X-Forwarded-For: a hop count or a list of proxy
 * addresses/CIDRs for Express's `trust proxy`. Never `true`, which would let any client pick the IP that
 * rate limits, sessions and waiver signatures record.
 */
const trustProxy = z
  .string()
  .optional()
  .transform((value, ctx): number | string[] => {
    const text = (value ?? "").trim().toLowerCase();
    if (text === "" || text === "false") return 0;
    if (/^\d+$/.test(text) && Number(text) <= 20) return Number(text);
    const entries = text.split(",").map((entry) => entry.trim());
    if (text !== "true" && entries.every(isProxyAddress)) return entries;
    const problem = text === "true" ? '"true" would believe any X-Forwarded-For header' : `"${value}" is not a hop count or a list of proxy addresses`;
    ctx.addIssue({ code: "custom", message: `${problem}; ${TRUST_PROXY_FORMS}` });
    return z.NEVER;
  });

const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    /** Address the web process listens on; see the transform for the default. */
    HOST: z.string().min(1).optional(),
    APP_URL: z.string().url().optional(),
    DATABASE_URL: urlWithScheme(["postgresql", "postgres"], "must be a postgresql:// URL").default("postgresql://postgres@127.0.0.1:5432/startline"),
    REDIS_URL: urlWithScheme(["redis", "rediss"], "must be a redis:// URL").default("redis://127.0.0.1:6379"),
    REDIS_PREFIX: z
      .string()
      .regex(/^[a-z0-9_-]+$/i, "letters, digits, - and _ only")
      .default("startline"),
    SESSION_SECRET: z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -hex 32`)").optional(),
    SESSION_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    SMTP_URL: urlWithScheme(["smtp", "smtps"], "must be an smtp:// or smtps:// URL").optional(),
    EMAIL_FROM: z.string().min(3).default("Startline <no-reply@startline.local>"),
    DEMO_MODE: booleanFlag,
    TRUST_PROXY: trustProxy,
    /** How often an open live feed checks again that its viewer may still see it (besides on every revocation message). */
    LIVE_ACCESS_RECHECK_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
    /** Jobs of the stripe queue (webhook events, session expiries) at once per worker; see the README's benchmarks. */
    STRIPE_QUEUE_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(50),
    /** Emails handed to the mail server per second, across every worker (ADR 0115). */
    EMAIL_SENDS_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(50),
    /** Postgres connections per process (web or worker); see the README's benchmark notes for sizing. */
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    UPLOAD_DIR: z.string().min(1).default("uploads"),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
    /** "json" lines for log collectors, "pretty" single lines for a terminal; unset: pretty only in development on a TTY. */
    LOG_FORMAT: z.enum(["json", "pretty"]).optional(),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
    LOGIN_MAX_ATTEMPTS_PER_IP: z.coerce.number().int().min(1).default(30),
    LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(15 * 60),
    SIGNUP_MAX_PER_IP_PER_HOUR: z.coerce.number().int().min(1, "must be a whole number of at least 1").default(10),
    PASSWORD_RESET_MAX_PER_IP_PER_HOUR: z.coerce.number().int().min(1, "must be a whole number of at least 1").default(10),
    HOLDS_MAX_PER_IP: z.coerce.number().int().min(1, "must be a whole number of at least 1").default(20),
    STRIPE_SECRET_KEY: z
      .string()
      .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, "must be a Stripe secret or restricted key (it starts with sk_ or rk_)")
      .optional(),
    STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9_]+$/, "must be a webhook signing secret (whsec_…)").optional(),
    STRIPE_API_BASE: urlWithScheme(["http", "https"], "must be an http:// or https:// URL (e.g. http://127.0.0.1:12111)").optional(),
    PLATFORM_FEE_BPS: z.coerce
      .number({ invalid_type_error: "must be a whole number of basis points (300 = 3%)" })
      .int("must be a whole number of basis points (300 = 3%)")
      .min(0, "must be between 0 and 10000 basis points")
      .max(10_000, "must be between 0 and 10000 basis points")
      .default(300),
    OPENAI_API_KEY: z.string().min(1).optional(),
    OPENAI_BASE_URL: urlWithScheme(["http", "https"], "must be an http:// or https:// URL ending in /v1 (e.g. http://127.0.0.1:4010/v1)").optional(),
    OPENAI_MODEL: z.string().min(1).default("gpt-4o-mini"),
    AI_TIMEOUT_MS: z.coerce.number().int().min(1_000, "must be at least 1000 ms").max(600_000, "must be at most 600000 ms").default(60_000),
    AI_JOBS_PER_HOUR: z.coerce.number().int().min(1, "must be a whole number of at least 1").default(30),
    /** Processed Stripe events older than this are pruned by housekeeping (the inbox keeps unprocessed ones). */
    STRIPE_EVENT_RETENTION_DAYS: z.coerce.number().int().min(1, "must be a whole number of days, at least 1").default(30),
    /** A worker whose heartbeat is older than this is flagged stale on the operator home and raises an alert. */
    WORKER_STALE_SECONDS: z.coerce.number().int().min(15, "must be at least 15 seconds").default(60),
    /** A queue whose oldest waiting job is older than this raises an operator alert. */
    QUEUE_WAIT_ALERT_SECONDS: z.coerce.number().int().min(10, "must be at least 10 seconds").default(300),
    /** Reconciliation compares Stripe's Checkout Sessions and charges created this far back with Startline's records. */
    RECONCILE_LOOKBACK_HOURS: z.coerce.number().int().min(1, "must be a whole number of hours, at least 1").max(24 * 90, "must be at most 2160 hours (90 days)").default(72),
    /** Payments younger than this are left to the webhook path and compared on a later run (0: compare everything). */
    RECONCILE_GRACE_MINUTES: z.coerce.number().int().min(0, "must be a whole number of minutes, 0 or more").default(10),
    /** Bearer token for /metrics (web and the worker's health port); without it /metrics answers only loopback callers. */
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    /** Where operator alerts are also emailed (at most one email per alert kind per 15 minutes). */
    ALERT_EMAIL: z.string().email("must be an email address").optional(),
  })
  .transform((env, ctx) => {
    const appUrl = new URL(env.APP_URL ?? `http://localhost:${env.PORT}`);
    const isLocal = LOCAL_HOSTS.has(appUrl.hostname);
    const isProduction = env.NODE_ENV === "production";
    if (env.DEMO_MODE && !isLocal) {
      ctx.addIssue({
        code: "custom",
        path: ["DEMO_MODE"],
        message: `demo mode only runs on a local address, but APP_URL is ${appUrl.origin}`,
      });
    }
    const deployed = isProduction && !env.DEMO_MODE;
    // Never a default: a known secret would let anyone sign session cookies and demo payment events.
    if (!env.SESSION_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["SESSION_SECRET"],
        message: "is required: `npm run demo` writes a random one to .env, or set one (e.g. `openssl rand -hex 32`)",
      });
    }
    const sessionSecret = env.SESSION_SECRET ?? ""; // only read when the issue above did not fail the parse
    if (deployed && appUrl.protocol !== "https:" && !isLocal) {
      ctx.addIssue({ code: "custom", path: ["APP_URL"], message: "must be https:// in production" });
    }
    if (deployed && !env.SMTP_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["SMTP_URL"],
        message: "is required in production (the local outbox is for development and demo mode)",
      });
    }
    if (env.STRIPE_SECRET_KEY && !env.STRIPE_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["STRIPE_WEBHOOK_SECRET"],
        message: "is required with STRIPE_SECRET_KEY (without it no payment or payout update would ever be confirmed)",
      });
    }
    if (deployed && !env.STRIPE_SECRET_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["STRIPE_SECRET_KEY"],
        message: "is required in production (simulated payments are for development and demo mode)",
      });
    }
    return {
      ...env,
      /**
       * A deployment listens on every interface (behind its proxy or load balancer); development and demo
       * mode only on this machine unless HOST says otherwise, so a demo on a laptop is not open to its network.
       */
      listenHost: env.HOST ?? (deployed ? undefined : "127.0.0.1"),
      appOrigin: appUrl.origin,
      /** Cookies are `Secure` whenever the app is served over https. */
      secureCookies: appUrl.protocol === "https:",
      sessionSecret,
      /** Emails go to the local outbox when no SMTP server is configured. */
      useOutbox: !env.SMTP_URL,
      /** `/dev/outbox` shows every email to anyone who can reach it: demo mode only, which runs on a local address. */
      outboxPages: env.DEMO_MODE && !env.SMTP_URL,
      /** Payments go through Stripe when a secret key is set; otherwise they are simulated (demo payment mode). */
      /** AI features are offered only when an OpenAI (or compatible) key is set; otherwise they say so up front. */
      aiConfigured: Boolean(env.OPENAI_API_KEY),
      paymentMode: env.STRIPE_SECRET_KEY ? ("stripe" as const) : ("demo" as const),
      /**
       * The secret webhooks are verified with: STRIPE_WEBHOOK_SECRET whenever it is set; in demo payment mode
       * without it, one derived from the session secret (so as secret as it, and as random as the one
       * `npm run demo` generates), so demo payments still travel the signed webhook path.
       */
      webhookSecret:
        env.STRIPE_WEBHOOK_SECRET ??
        (env.STRIPE_SECRET_KEY ? undefined : `whsec_demo${createHmac("sha256", sessionSecret).update("startline demo webhook").digest("hex").slice(0, 32)}`),
    };
  });

export type Env = z.output<typeof envSchema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parses an environment; throws an EnvError naming every missing or malformed variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => `${issue.path.join(".") || "env"}: ${issue.message}`),
    );
  }
  return result.data;
}

let cached: Env | undefined;

/** The validated environment of this process (web or worker). */
export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Validates the environment at boot; prints what is wrong and exits instead of failing later. */
export function loadEnvOrExit(processName: string): Env {
  try {
    return getEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`[${processName}] ${error.message}\nSee .env.example for every variable.`);
      process.exit(1);
    }
    throw error;
  }
}

/** The only values that reach the browser. */
export function publicEnv() {
  const env = getEnv();
  return { demoMode: env.DEMO_MODE, outboxPages: env.outboxPages };
}
