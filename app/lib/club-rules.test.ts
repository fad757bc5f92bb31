import { describe, expect, it } from "vitest";
import { isClubAdmin, isClubReaction, mayRemove } from "./club-rules";

describe("club rules", () => {
  it("lets the owner remove anyone but the owner, and admins only members", () => {
    expect(mayRemove("OWNER", "ADMIN")).toBe(true);
    expect(mayRemove("OWNER", "MEMBER")).toBe(true);
    expect(mayRemove("OWNER", "OWNER")).toBe(false);
    expect(mayRemove("ADMIN", "MEMBER")).toBe(true);
    expect(mayRemove("ADMIN", "ADMIN")).toBe(false);
    expect(mayRemove("MEMBER", "MEMBER")).toBe(false);
  });

  it("knows admins and the fixed reactions", () => {
    expect(isClubAdmin("OWNER")).toBe(true);
    expect(isClubAdmin("MEMBER")).toBe(false);
    expect(isClubReaction("👍")).toBe(true);
    expect(isClubReaction("💩")).toBe(false);
  });
});
