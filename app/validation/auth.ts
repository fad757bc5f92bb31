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

export function safeRedirect(value: string | null | undefined, fallback = "/") {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  return value;
}

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
  password: z
    .string({ required_error: "Choose a password" })
    .min(10, "Use at least 10 characters")
    .max(200, "Use at most 200 characters"),
  redirectTo,
});

export type SignupInput = z.infer<typeof signupSchema>;
