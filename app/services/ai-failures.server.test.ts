import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { PermanentFailure } from "~/lib/errors";
import { describe, expect, it } from "vitest";
import { RetryLaterError } from "~/jobs/retry";
import { classifyAiFailure } from "./ai-failures.server";

const apiError = (status: number, code: string | null = null, message = "Something went wrong.") =>
  APIError.generate(status, { error: { message, type: "x", param: null, code } }, message, new Headers());

describe("classifyAiFailure", () => {
  it.each([429, 500, 502, 503, 408, 409])("retries HTTP %i", (status) => {
    const result = classifyAiFailure(apiError(status), false, 60_000);
    expect(result).not.toBeInstanceOf(PermanentFailure);
    expect(result.message).toBe(`The AI service is busy or failing (HTTP ${status}).`);
  });

  it("waits at least as long as the service's Retry-After asks", () => {
    const busy = APIError.generate(429, { error: { message: "Slow down", type: "requests", param: null, code: "rate_limit_exceeded" } }, "Slow down", new Headers({ "retry-after": "7" }));
    const result = classifyAiFailure(busy, false, 60_000);
    expect(result).toBeInstanceOf(RetryLaterError);
    expect((result as RetryLaterError).retryAfterMs).toBe(7_000);
  });

  it("retries timeouts, lost connections and our own deadline, saying which", () => {
    expect(classifyAiFailure(new APIConnectionTimeoutError(), false, 30_000).message).toBe("The AI service did not answer within 30 seconds.");
    expect(classifyAiFailure(new APIConnectionError({ message: "ECONNREFUSED" }), false, 30_000).message).toBe("Could not reach the AI service.");
    expect(classifyAiFailure(new APIUserAbortError(), true, 30_000).message).toBe("The AI service did not finish within 30 seconds.");
    for (const error of [new APIConnectionTimeoutError(), new APIConnectionError({}), new APIUserAbortError()]) {
      expect(classifyAiFailure(error, false, 30_000)).not.toBeInstanceOf(PermanentFailure);
    }
  });

  it.each([
    [400, null, "The AI service refused the request (HTTP 400)"],
    [401, "invalid_api_key", "The AI service rejected this installation's API key."],
    [403, null, "The AI service refused access for this installation."],
    [404, "model_not_found", "The AI model is not available"],
    [422, null, "The AI service refused the request (HTTP 422)"],
    [429, "insufficient_quota", "The AI service's quota for this installation is used up."],
  ] as const)("gives up at once on HTTP %i (%s)", (status, code, message) => {
    const result = classifyAiFailure(apiError(status, code), false, 60_000);
    expect(result).toBeInstanceOf(PermanentFailure);
    expect(result.message).toContain(message);
  });
});
