import { describe, expect, it } from "vitest";
import { paginate, type PageWindow } from "./paginate.server";

const list = Array.from({ length: 45 }, (_, i) => i + 1);
const query = (rows: number[]) => ({
  count: async () => rows.length,
  rows: async ({ skip, take }: PageWindow) => rows.slice(skip, skip + take),
});

describe("paginate", () => {
  it("reads the rows of the page asked for and counts the pages", async () => {
    expect(await paginate({ page: 1, pageSize: 20 }, query(list))).toEqual({ total: 45, pageCount: 3, items: list.slice(0, 20) });
    expect(await paginate({ page: 3, pageSize: 20 }, query(list))).toEqual({ total: 45, pageCount: 3, items: [41, 42, 43, 44, 45] });
  });

  it("has one (empty) page for an empty list, and an empty page past the end", async () => {
    expect(await paginate({ page: 1, pageSize: 20 }, query([]))).toEqual({ total: 0, pageCount: 1, items: [] });
    expect(await paginate({ page: 9, pageSize: 20 }, query(list))).toEqual({ total: 45, pageCount: 3, items: [] });
  });

  it("passes the window as skip and take", async () => {
    const windows: PageWindow[] = [];
    await paginate({ page: 4, pageSize: 12 }, { count: async () => 0, rows: async (window) => (windows.push(window), []) });
    expect(windows).toEqual([{ skip: 36, take: 12 }]);
  });
});
