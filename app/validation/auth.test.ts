import { describe, expect, it } from "vitest";
import { loginSchema, safeRedirect, signupSchema } from "./auth";

describe("safeRedirect", () => {
  it.each([
    ["/account", "/account"],
    ["/races/x?tab=1", "/races/x?tab=1"],
    ["//evil.example", "/"],
    ["/\\evil.example", "/"],
    ["https://evil.example", "/"],
    ["", "/"],
    [null, "/"],
  ])("%s → %s", (input, expected) => {
    expect(safeRedirect(input)).toBe(expected);
  });
});

describe("auth schemas", () => {
  it("normalises the email so accounts are unique case-insensitively", () => {
    expect(loginSchema.parse({ email: "  Ada@Example.COM ", password: "x" }).email).toBe("ada@example.com");
  });

  it("explains each signup problem in words a person understands", () => {
    const result = signupSchema.safeParse({ name: " ", email: "ada", password: "short" });
    expect(result.success).toBe(false);
    expect(result.error?.flatten().fieldErrors).toEqual({
      name: ["Enter your name"],
      email: ["Enter a valid email address, like name@example.com"],
      password: ["Use at least 10 characters"],
    });
  });
});
