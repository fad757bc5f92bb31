import { describe, expect, it } from "vitest";
import { statusAfterFailedRefund, statusAfterRefund } from "./refund-rules";

describe("statusAfterRefund", () => {
  it("is REFUNDED once everything paid was given back, whatever tickets remain", () => {
    expect(statusAfterRefund(6000, 6000, 2)).toBe("REFUNDED");
    expect(statusAfterRefund(6000, 6000, 0)).toBe("REFUNDED");
  });

  it("is PARTIALLY_REFUNDED while money is left", () => {
    expect(statusAfterRefund(6000, 3000, 1)).toBe("PARTIALLY_REFUNDED");
    expect(statusAfterRefund(6000, 1, 2)).toBe("PARTIALLY_REFUNDED");
  });

  it("counts a free order as refunded only when none of its tickets is valid", () => {
    expect(statusAfterRefund(0, 0, 1)).toBe("PARTIALLY_REFUNDED");
    expect(statusAfterRefund(0, 0, 0)).toBe("REFUNDED");
  });
});

describe("statusAfterFailedRefund", () => {
  it("is PAID again when the failed refund was the only one and every ticket is back", () => {
    expect(statusAfterFailedRefund(6000, 0, 2, 0)).toBe("PAID");
    expect(statusAfterFailedRefund(6000, 0, 0, 0)).toBe("PAID");
  });

  it("stays partially refunded while another refund stands or a ticket could not be reinstated", () => {
    expect(statusAfterFailedRefund(6000, 1000, 2, 0)).toBe("PARTIALLY_REFUNDED");
    expect(statusAfterFailedRefund(6000, 0, 1, 1)).toBe("PARTIALLY_REFUNDED");
  });

  it("stays refunded when other refunds still cover the whole payment", () => {
    expect(statusAfterFailedRefund(6000, 6000, 0, 2)).toBe("REFUNDED");
  });
});
