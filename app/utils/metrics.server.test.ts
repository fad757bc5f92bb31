import { describe, expect, it } from "vitest";
import { mayScrape, routePattern } from "./metrics.server";

describe("routePattern", () => {
  it("keeps static paths", () => {
    expect(routePattern("/")).toBe("/");
    expect(routePattern("/operator/jobs")).toBe("/operator/jobs");
  });
  it("folds ids and race slugs into one series", () => {
    expect(routePattern("/races/harbour-10k/live")).toBe("/races/:slug/live");
    expect(routePattern("/organiser/races/clx9a8b7c6d5e4f3/participants")).toBe("/organiser/races/:id/participants");
    expect(routePattern("/orders/123/live")).toBe("/orders/:id/live");
    expect(routePattern("/operator/stripe-events/evt_1AbC2dEf3GhI")).toBe("/operator/stripe-events/:id");
  });
  it("caps the depth", () => {
    expect(routePattern("/a/b/c/d/e/f/g/h")).toBe("/a/b/c/d/e/f");
  });
});

describe("mayScrape", () => {
  const token = "a-long-metrics-token-123";
  it("asks for the bearer token when one is set, from anywhere", () => {
    expect(mayScrape({ authorization: `Bearer ${token}`, remoteAddress: "10.0.0.5", token })).toBe(true);
    expect(mayScrape({ authorization: undefined, remoteAddress: "127.0.0.1", token })).toBe(false);
    expect(mayScrape({ authorization: "Bearer wrong", remoteAddress: "127.0.0.1", token })).toBe(false);
  });
  it("without a token, answers loopback callers only", () => {
    expect(mayScrape({ authorization: undefined, remoteAddress: "::ffff:127.0.0.1", token: undefined })).toBe(true);
    expect(mayScrape({ authorization: undefined, remoteAddress: "10.0.0.5", token: undefined })).toBe(false);
  });
});
