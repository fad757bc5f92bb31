import { describe, expect, it } from "vitest";
import { describeError } from "./logger.server";

describe("describeError", () => {
  it("logs a database outage in one short line, without a stack", () => {
    const outage = Object.assign(new Error("\nInvalid `prisma.stripeEvent.create()` invocation:\n\n\nCan't reach database server at 127.0.0.1:5432"), {
      name: "PrismaClientKnownRequestError",
      code: "P1001",
    });
    expect(describeError(outage)).toEqual({
      name: "PrismaClientKnownRequestError",
      code: "P1001",
      message: "Can't reach database server at 127.0.0.1:5432",
      during: "Invalid `prisma.stripeEvent.create()` invocation:",
    });
  });

  it("reads Postgres' code from a driver-adapter error's cause", () => {
    const shutdown = Object.assign(new Error("terminating connection due to administrator command"), { name: "DriverAdapterError", cause: { originalCode: "57P01" } });
    expect(describeError(shutdown)).toEqual({ name: "DriverAdapterError", code: "57P01", message: "terminating connection due to administrator command" });
  });

  it("keeps the stack of any other error: that one is a bug to find", () => {
    const bug = new TypeError("cannot read properties of undefined");
    expect(describeError(bug)).toMatchObject({ name: "TypeError", message: "cannot read properties of undefined", stack: expect.stringContaining("TypeError") });
  });
});
