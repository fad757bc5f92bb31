import { describe, expect, it } from "vitest";
import { reduce } from "./live-feed";

const note = (id: string) => ({ id, kind: "k", title: `t${id}`, body: "b", href: null, createdAt: "2026-01-01T00:00:00.000Z" });
const empty = { status: "connecting" as const, notifications: [], creditBalance: 0, membership: null };

describe("user feed state", () => {
  it("replaces everything with a snapshot and goes live", () => {
    const state = reduce(empty, { type: "snapshot", snapshot: { type: "snapshot", notifications: [note("1")], creditBalance: 7, membership: null } });
    expect(state).toEqual({ status: "live", notifications: [note("1")], creditBalance: 7, membership: null });
  });

  it("adds a notification once, even when a delta repeats what the snapshot had", () => {
    const live = reduce(empty, { type: "snapshot", snapshot: { type: "snapshot", notifications: [note("1")], creditBalance: 0, membership: null } });
    const again = reduce(live, { type: "delta", message: { type: "notification", notification: note("1") } });
    expect(again.notifications).toHaveLength(1);
    const added = reduce(again, { type: "delta", message: { type: "notification", notification: note("2") } });
    expect(added.notifications.map((n) => n.id)).toEqual(["2", "1"]);
  });

  it("removes dismissed notifications and tracks the balance", () => {
    const live = reduce(empty, { type: "snapshot", snapshot: { type: "snapshot", notifications: [note("1"), note("2")], creditBalance: 0, membership: null } });
    const dismissed = reduce(live, { type: "delta", message: { type: "notification.dismissed", id: "1" } });
    expect(dismissed.notifications.map((n) => n.id)).toEqual(["2"]);
    expect(reduce(dismissed, { type: "delta", message: { type: "credits.balance", balance: 42 } }).creditBalance).toBe(42);
  });
});

describe("membership in the user feed", () => {
  const view = (status: "ACTIVE" | "PAST_DUE", updatedAt: string) => ({ plan: "monthly", planName: "Monthly membership", status, currentPeriodEnd: null, cancelAtPeriodEnd: false, updatedAt });

  it("takes the membership from the snapshot and a newer delta, never an older one published late", () => {
    const live = reduce(empty, { type: "snapshot", snapshot: { type: "snapshot", notifications: [], creditBalance: 0, membership: view("ACTIVE", "2026-12-02T10:00:00.000Z") } });
    const pastDue = reduce(live, { type: "delta", message: { type: "membership", membership: view("PAST_DUE", "2026-12-02T10:05:00.000Z") } });
    expect(pastDue.membership?.status).toBe("PAST_DUE");
    const stale = reduce(pastDue, { type: "delta", message: { type: "membership", membership: view("ACTIVE", "2026-12-02T10:01:00.000Z") } });
    expect(stale.membership?.status).toBe("PAST_DUE");
  });
});
