import { describe, expect, it } from "vitest";
import { rejectCrossSite } from "./csrf.server";

const base = { method: "POST", path: "/logout", origin: undefined, secFetchSite: undefined, host: "localhost:3000", protocol: "http" };
const appOrigin = "http://localhost:3000";

describe("rejectCrossSite", () => {
  it("lets reads through whatever their origin", () => {
    expect(rejectCrossSite({ ...base, method: "GET", origin: "https://evil.example", secFetchSite: "cross-site" }, appOrigin)).toBeNull();
  });

  it("accepts same-origin posts", () => {
    expect(rejectCrossSite({ ...base, origin: appOrigin, secFetchSite: "same-origin" }, appOrigin)).toBeNull();
  });

  it("refuses cross-site and same-site (sibling subdomain) posts", () => {
    expect(rejectCrossSite({ ...base, secFetchSite: "cross-site" }, appOrigin)).toMatch(/Sec-Fetch-Site: cross-site/);
    expect(rejectCrossSite({ ...base, secFetchSite: "same-site" }, appOrigin)).toMatch(/same-site/);
  });

  it("refuses a foreign or opaque Origin when Sec-Fetch-Site is missing", () => {
    expect(rejectCrossSite({ ...base, origin: "https://evil.example" }, appOrigin)).toMatch(/Origin: https:\/\/evil.example/);
    expect(rejectCrossSite({ ...base, origin: "null" }, appOrigin)).toMatch(/opaque origin/);
  });

  it("accepts the origin the request was addressed to (behind a proxy or on another port)", () => {
    expect(rejectCrossSite({ ...base, origin: "http://127.0.0.1:4000", host: "127.0.0.1:4000" }, appOrigin)).toBeNull();
  });

  it("exempts webhooks, which are verified by signature", () => {
    expect(rejectCrossSite({ ...base, path: "/webhooks/stripe", secFetchSite: "cross-site" }, appOrigin)).toBeNull();
  });
});
