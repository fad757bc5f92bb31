import { describe, expect, it } from "vitest";
import { stripeConnection } from "./stripe.server";

describe("stripeConnection", () => {
  it("leaves the SDK's default (api.stripe.com over https) without STRIPE_API_BASE", () => {
    expect(stripeConnection(undefined)).toEqual({});
  });

  it("turns STRIPE_API_BASE into the SDK's host, port and protocol", () => {
    expect(stripeConnection("http://127.0.0.1:12111")).toEqual({ host: "127.0.0.1", port: "12111", protocol: "http" });
    expect(stripeConnection("https://stripe-proxy.internal")).toEqual({ host: "stripe-proxy.internal", port: "443", protocol: "https" });
  });
});
