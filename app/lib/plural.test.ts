import { describe, expect, it } from "vitest";
import { counted } from "./plural";

describe("counted", () => {
  it("uses the singular for exactly one and the plural otherwise", () => {
    expect(counted(1, "paid order")).toBe("1 paid order");
    expect(counted(2, "paid order")).toBe("2 paid orders");
    expect(counted(0, "credit")).toBe("0 credits");
  });

  it("takes an irregular plural and the count as the page formats it", () => {
    expect(counted(1, "person", { plural: "people" })).toBe("1 person");
    expect(counted(3, "person", { plural: "people" })).toBe("3 people");
    expect(counted(1200, "place", { shown: "1,200" })).toBe("1,200 places");
  });
});
