import { describe, expect, it } from "vitest";
import { MAX_TOASTS, toastStaysUntilClosed, toastsToShow } from "./toast-rules";

describe("toasts", () => {
  it("keeps errors until closed and lets news hide itself", () => {
    expect(toastStaysUntilClosed("payment.refund_failed")).toBe(true);
    expect(toastStaysUntilClosed("room.removed")).toBe(true);
    expect(toastStaysUntilClosed("order.paid")).toBe(false);
    expect(toastStaysUntilClosed("welcome")).toBe(false);
  });

  it("shows at most three, newest first, skipping the ones that hid themselves", () => {
    const notifications = ["e", "d", "c", "b", "a"].map((id) => ({ id }));
    expect(MAX_TOASTS).toBe(3);
    expect(toastsToShow(notifications, new Set()).map((n) => n.id)).toEqual(["e", "d", "c"]);
    expect(toastsToShow(notifications, new Set(["d"])).map((n) => n.id)).toEqual(["e", "c", "b"]);
    expect(toastsToShow([], new Set())).toEqual([]);
  });
});
