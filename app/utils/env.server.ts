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

const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    APP_URL: z.string().url().optional(),
    DATABASE_URL: urlWithScheme(["postgresql", "postgres"], "must be a postgresql:// URL").default("postgresql://postgres@127.0.0.1:5432/startline"),
    REDIS_URL: urlWithScheme(["redis", "rediss"], "must be a redis:// URL").default("redis://127.0.0.1:6379"),
    REDIS_PREFIX: z
      .string()
      .regex(/^[a-z0-9_-]+$/i, "letters, digits, - and _ only")
      .default("startline"),
    SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    SESSION_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    SMTP_URL: urlWithScheme(["smtp", "smtps"], "must be an smtp:// or smtps:// URL").optional(),
    EMAIL_FROM: z.string().min(3).default("Startline <no-reply@startline.local>"),
    DEMO_MODE: booleanFlag,
    TRUST_PROXY: booleanFlag,
    WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
    UPLOAD_DIR: z.string().min(1).default("uploads"),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
    LOGIN_MAX_ATTEMPTS_PER_IP: z.coerce.number().int().min(1).default(30),
    LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(15 * 60),
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
    if (deployed && !env.SESSION_SECRET) {
      ctx.addIssue({ code: "custom", path: ["SESSION_SECRET"], message: "is required in production" });
    }
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
    return {
      ...env,
      appOrigin: appUrl.origin,
      /** Cookies are `Secure` whenever the app is served over https. */
      secureCookies: appUrl.protocol === "https:",
      sessionSecret: env.SESSION_SECRET ?? "startline-development-secret-change-me-please",
      /** Emails go to the local outbox (viewable in the app) when no SMTP server is configured. */
      useOutbox: !env.SMTP_URL,
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
  return { demoMode: env.DEMO_MODE, useOutbox: env.useOutbox };
}
