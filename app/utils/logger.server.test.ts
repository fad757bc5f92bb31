import { describe, expect, it } from "vitest";
import { describeError, prettyLine } from "./logger.server";

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

describe("prettyLine", () => {
  it("renders a JSON log line as one readable terminal line", () => {
    const line = JSON.stringify({ level: "info", time: "2026-12-02T03:11:59.123Z", process: "web", pid: 1, url: "http://127.0.0.1:3000", demo: true, msg: "web listening" });
    expect(prettyLine(line)).toBe("03:11:59   web    web listening  url=http://127.0.0.1:3000 demo=true\n");
  });

  it("puts an error's cause on the line and its stack below", () => {
    const line = JSON.stringify({ level: "error", time: "2026-12-02T03:12:00.000Z", process: "worker", msg: "job failed", error: { name: "TypeError", message: "x is undefined", stack: "TypeError: x is undefined\n    at run (job.ts:1:1)" } });
    expect(prettyLine(line)).toBe("03:12:00 ✖ worker job failed — TypeError: x is undefined\n    at run (job.ts:1:1)\n");
  });
});
