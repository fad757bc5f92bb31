import { describe, expect, it } from "vitest";
import { membershipDateLabel, membershipHeadline, showsInHeader } from "./membership-view";

const base = { planName: "Monthly membership", currentPeriodEnd: "2027-01-02T10:00:00.000Z", cancelAtPeriodEnd: false };

describe("membership words", () => {
  it("says when an active membership renews, or ends once cancelled at the period end", () => {
    expect(membershipHeadline({ ...base, status: "ACTIVE" }, "en-GB")).toBe("Member · renews 2 Jan 2027");
    expect(membershipHeadline({ ...base, status: "ACTIVE", cancelAtPeriodEnd: true }, "en-GB")).toBe("Member · ends 2 Jan 2027");
    expect(membershipHeadline({ ...base, status: "PAST_DUE" }, "en-GB")).toBe("Membership payment overdue");
    expect(membershipDateLabel({ ...base, status: "CANCELED" })).toBe("Ended");
    expect(membershipDateLabel({ ...base, status: "PAST_DUE" })).toBe("Period ends");
  });

  it("shows in the header only while the membership runs or needs attention", () => {
    expect(showsInHeader({ ...base, status: "ACTIVE" })).toBe(true);
    expect(showsInHeader({ ...base, status: "PAST_DUE" })).toBe(true);
    expect(showsInHeader({ ...base, status: "CANCELED" })).toBe(false);
    expect(showsInHeader({ ...base, status: "INCOMPLETE" })).toBe(false);
    expect(showsInHeader(null)).toBe(false);
  });
});
