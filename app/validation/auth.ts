import { z } from "zod";

const email = z
  .string({ required_error: "Enter your email address" })
  .trim()
  .toLowerCase()
  .email("Enter a valid email address, like name@example.com")
  .max(254, "That email address is too long");

/** Only same-site paths, so a crafted link cannot send someone elsewhere after signing in. */
export const redirectTo = z
  .string()
  .optional()
  .transform((value) => safeRedirect(value));

const SAME_ORIGIN_BASE = "http://startline.invalid";
/** Printable ASCII without space or backslash: a browser parses anything else in ways a path check cannot see. */
const PLAIN_PATH = /^\/[\x21-\x5b\x5d-\x7e]*$/;
/** Backslashes (browsers read them as slashes) and control characters (browsers drop tabs and newlines). */
function hasBackslashOrControl(path: string) {
  for (const char of path) {
    const code = char.charCodeAt(0);
    if (char === "\\" || code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
const MAX_DECODE_ROUNDS = 5;

/** Decodes %XX escapes of ASCII characters only; invalid or non-ASCII escapes stay as they are. */
function decodeAsciiEscapes(value: string) {
  return value.replace(/%([0-7][0-9a-f])/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The path stays on our origin and cannot be read as `//host` once resolved. */
function staysOnOrigin(path: string) {
  if (!path.startsWith("/") || path.startsWith("//") || hasBackslashOrControl(path)) return false;
  try {
    const url = new URL(path, SAME_ORIGIN_BASE);
    return url.origin === SAME_ORIGIN_BASE && !url.pathname.startsWith("//");
  } catch {
    return false;
  }
}

/**
 * A same-origin path to send someone to after signing in, or `fallback`. Besides `//host` and absolute URLs
 * it refuses what a browser (or a proxy or router that decodes once more) could still read as another
 * origin: backslashes, tabs and other control characters, and their percent-encoded (even double-encoded)
 * forms such as `/%09/evil.example`, `/%2f%2fevil.example` or `/%5cevil.example`.
 */
export function safeRedirect(value: string | null | undefined, fallback = "/") {
  if (!value || value.length > 2048 || !PLAIN_PATH.test(value)) return fallback;
  let decoded = value;
  for (let round = 0; round <= MAX_DECODE_ROUNDS; round++) {
    if (!staysOnOrigin(decoded)) return fallback;
    const next = decodeAsciiEscapes(decoded);
    if (next === decoded) return value;
    decoded = next;
  }
  return fallback;
}

const newPassword = z
  .string({ required_error: "Choose a password" })
  .min(10, "Use at least 10 characters")
  .max(200, "Use at most 200 characters");

export const loginSchema = z.object({
  email,
  password: z.string({ required_error: "Enter your password" }).min(1, "Enter your password"),
  redirectTo,
});

export const signupSchema = z.object({
  name: z
    .string({ required_error: "Enter your name" })
    .trim()
    .min(1, "Enter your name")
    .max(100, "Use at most 100 characters"),
  email,
  password: newPassword,
  redirectTo,
});

export type SignupInput = z.infer<typeof signupSchema>;

export const forgotPasswordSchema = z.object({ email });

export const resetPasswordSchema = z
  .object({
    password: newPassword,
    confirmPassword: z.string({ required_error: "Type the new password again" }),
  })
  .refine((value) => value.password === value.confirmPassword, { path: ["confirmPassword"], message: "The two passwords are not the same" });
