import { describe, expect, it } from "vitest";
import { reduceCheckinFeed, type CheckinFeedState } from "./checkin-feed";

const initial: CheckinFeedState = { status: "connecting", checkedIn: 3, total: 10 };
const checkin = (checkedInCount: number) => ({ type: "delta" as const, message: { type: "checkin" as const, at: "", participantId: "p", checkedInCount } });

describe("reduceCheckinFeed", () => {
  it("goes live with the snapshot's counts", () => {
    expect(reduceCheckinFeed(initial, { type: "snapshot", snapshot: { type: "snapshot", checkedIn: 4, total: 12 } })).toEqual({ status: "live", checkedIn: 4, total: 12 });
  });

  it("takes a newer count from a check-in and ignores one that arrives late", () => {
    const afterFive = reduceCheckinFeed(initial, checkin(5));
    expect(afterFive.checkedIn).toBe(5);
    expect(reduceCheckinFeed(afterFive, checkin(4)).checkedIn).toBe(5);
  });

  it("shows a dropped link without losing the counts", () => {
    expect(reduceCheckinFeed(initial, { type: "status", status: "reconnecting" })).toEqual({ ...initial, status: "reconnecting" });
  });

  it("ignores sales activity", () => {
    expect(reduceCheckinFeed(initial, { type: "delta", message: { type: "sales", at: "" } })).toBe(initial);
  });
});
