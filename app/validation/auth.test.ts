import { describe, expect, it } from "vitest";
import { loginSchema, safeRedirect, signupSchema } from "./auth";

describe("safeRedirect", () => {
  it.each([
    ["/account", "/account"],
    ["/races/x?tab=1", "/races/x?tab=1"],
    ["/login?redirectTo=%2Faccount", "/login?redirectTo=%2Faccount"],
    ["/races?q=D%C3%BAn%20Laoghaire", "/races?q=D%C3%BAn%20Laoghaire"],
    ["/organiser/races/abc/participants?page=2#list", "/organiser/races/abc/participants?page=2#list"],
    ["/search?discount=100%25", "/search?discount=100%25"],
    ["/https://evil.example", "/https://evil.example"],
    ["/javascript:alert(1)", "/javascript:alert(1)"],
  ])("keeps the same-origin path %s", (input, expected) => {
    expect(safeRedirect(input)).toBe(expected);
  });

  // Open-redirect bypasses collected from public payload lists (PayloadsAllTheThings "Open Redirect",
  // bug bounty cheat sheets): each is a way a browser, or a layer that decodes once more, leaves our origin.
  const bypasses = [
    "",
    "https://evil.example",
    "http:evil.example",
    "https:evil.example",
    "evil.example",
    "//evil.example",
    "///evil.example",
    "////evil.example/%2f..",
    "//evil.example@startline.test",
    "/\\evil.example",
    "\\evil.example",
    "\\/\\/evil.example/",
    "/\\/evil.example/",
    "//\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/\t\t//evil.example",
    "\t//evil.example",
    " //evil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%0d/evil.example",
    "/%0D%0ASet-Cookie:%20a=b",
    "/%00/evil.example",
    "//evil%00.example",
    "/%2f%2fevil.example",
    "/%2F/evil.example",
    "%2f%2fevil.example",
    "/%252f%252fevil.example",
    "/%25252f%25252fevil.example",
    "/%5cevil.example",
    "/%5Cevil.example",
    "/%255cevil.example",
    "//%5cevil.example",
    "/%09/javascript:alert(1)",
    "/%5cjavascript:alert(1)",
    "/..//evil.example",
    "/.%2e//evil.example",
    "/%2e%2e/%2fevil.example",
    "/./%2fevil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "java%0d%0ascript%0d%0a:alert(0)",
    "data:text/html,<script>alert(1)</script>",
    "/\u3031evil.example",
    "/\u3002evil.example",
    "/\uff0f\uff0fevil.example",
    "/\u2216evil.example",
    "/\u00a0//evil.example",
  ];
  it.each(bypasses)("refuses %j", (input) => {
    expect(safeRedirect(input)).toBe("/");
  });

  it("falls back for null, undefined and overlong values, and to a custom fallback when given", () => {
    expect(safeRedirect(`/${"a".repeat(3000)}`)).toBe("/");
    expect(safeRedirect(null)).toBe("/");
    expect(safeRedirect(undefined)).toBe("/");
    expect(safeRedirect("//evil.example", "/account")).toBe("/account");
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
