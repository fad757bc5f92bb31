import { parseWithZod } from "@conform-to/zod";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DomainError, NotFoundError, PermanentFailure, RuleViolationError } from "~/lib/errors";
import { replyToError } from "./errors.server";

function submission(fields: Record<string, string>) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return parseWithZod(form, { schema: z.object({ email: z.string(), password: z.string(), percentOff: z.string().optional() }) });
}

function thrown(run: () => unknown) {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("replyToError", () => {
  it("answers a refusal with its kind's status, message, field and link", () => {
    const reply = replyToError(new DomainError("conflict", "You are already in a room.", { field: "form", href: "/rooms/r1" }), { intent: "join" });
    expect(reply.init?.status).toBe(409);
    expect(reply.data).toEqual({ intent: "join", error: "You are already in a room.", field: "form", href: "/rooms/r1" });
  });

  it("says when to try again after a rate limit", () => {
    const reply = replyToError(new DomainError("rate_limited", "Too many attempts.", { retryAfterSeconds: 90 }));
    expect(reply.init?.status).toBe(429);
    expect(new Headers(reply.init?.headers).get("Retry-After")).toBe("90");
  });

  it("puts the message next to the blamed field, under the form's name for it", () => {
    const reply = replyToError(new RuleViolationError("amount", "Enter a whole percentage."), {
      submission: submission({ email: "a@example.com", password: "secret" }),
      fieldNames: { amount: "percentOff" },
      hideFields: ["password"],
    });
    expect(reply.init?.status).toBe(400);
    expect(reply.data.result.error).toEqual({ percentOff: ["Enter a whole percentage."] });
    expect(reply.data.result.initialValue).not.toHaveProperty("password");
  });

  it("puts a refusal that blames no field above the form", () => {
    const reply = replyToError(new DomainError("unauthenticated", "That email and password do not match an account."), { submission: submission({ email: "a@example.com", password: "x" }) });
    expect(reply.init?.status).toBe(401);
    expect(reply.data.result.error).toEqual({ "": ["That email and password do not match an account."] });
  });

  it("throws a 404 page for a missing record, but answers a missing thing the input named", () => {
    const page = thrown(() => replyToError(new NotFoundError("This room does not exist.")));
    expect(page).toBeInstanceOf(Response);
    expect((page as Response).status).toBe(404);
    expect(replyToError(new NotFoundError("Race not found", { field: "raceId" })).init?.status).toBe(404);
  });

  it("throws a 403 page for a forbidden page", () => {
    const page = thrown(() => replyToError(new DomainError("forbidden", "Managers only.")));
    expect((page as Response).status).toBe(403);
  });

  it("rethrows bugs and a job's permanent failure", () => {
    const bug = new TypeError("undefined is not a function");
    expect(thrown(() => replyToError(bug))).toBe(bug);
    const permanent = new PermanentFailure("Stripe event evt_1 is not in the inbox");
    expect(thrown(() => replyToError(permanent))).toBe(permanent);
  });
});
