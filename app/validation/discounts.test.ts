import { parseWithZod } from "@conform-to/zod";
import { describe, expect, it } from "vitest";
import { discountCodeSchema } from "./discounts";

function form(fields: Record<string, string | string[]>) {
  const formData = new FormData();
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) formData.append(name, v);
  return parseWithZod(formData, { schema: discountCodeSchema("EUR") });
}

describe("discountCodeSchema", () => {
  it("upper-cases the code and reads a percentage for all tickets, empty limits meaning none", () => {
    const result = form({ code: " early-bird ", kind: "PERCENT", percentOff: "15", amountOff: "", scope: "ALL", maxRedemptions: "", perUserLimit: "" });
    expect(result.status).toBe("success");
    expect(result.status === "success" && result.value).toEqual({
      code: "EARLY-BIRD",
      kind: "PERCENT",
      amount: 15,
      ticketTypeIds: [],
      maxRedemptions: null,
      perUserLimit: null,
      validFrom: null,
      validUntil: null,
    });
  });

  it("reads a fixed amount in major units as minor units, scoped to chosen tickets", () => {
    const result = form({
      code: "CLUB5",
      kind: "FIXED",
      amountOff: "5.50",
      scope: "SOME",
      ticketTypeIds: ["tt_1", "tt_2"],
      maxRedemptions: "100",
      perUserLimit: "1",
      validFrom: "2026-05-01T09:00",
      validUntil: "2026-05-31T23:59",
    });
    expect(result.status === "success" && result.value).toMatchObject({ amount: 550, ticketTypeIds: ["tt_1", "tt_2"], maxRedemptions: 100, perUserLimit: 1 });
  });

  it("puts each problem next to its field", () => {
    const result = form({
      code: "x!",
      kind: "FIXED",
      amountOff: "5.555",
      scope: "SOME",
      maxRedemptions: "0",
      perUserLimit: "2.5",
      validFrom: "2026-05-02T09:00",
      validUntil: "2026-05-01T09:00",
    });
    expect(result.status).toBe("error");
    const errors = result.reply().error!;
    expect(errors.code).toEqual(["Use 3 to 32 letters, digits, - or _"]);
    expect(errors.amountOff).toEqual(["Enter an amount in EUR, like 5 or 5.50"]);
    expect(errors.ticketTypeIds).toEqual(["Choose at least one ticket type"]);
    expect(errors.maxRedemptions).toEqual(["Enter at least 1, or leave empty for no limit"]);
    expect(errors.perUserLimit).toEqual(["Enter the limit per buyer as a whole number"]);
    expect(errors.validUntil).toEqual(["End after the start"]);
  });

  it.each(["0", "101", "12.5", ""])("refuses %j percent", (percentOff) => {
    expect(form({ code: "PCT", kind: "PERCENT", percentOff, scope: "ALL" }).reply().error?.percentOff).toEqual(["Enter a whole percentage from 1 to 100"]);
  });

  it("ignores a leftover percentage when the code takes a fixed amount", () => {
    expect(form({ code: "FIX", kind: "FIXED", percentOff: "150", amountOff: "5", scope: "ALL" }).status).toBe("success");
  });
});
