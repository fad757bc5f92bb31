/** One page of a list: its rows, how many rows the whole list has, and how many pages that makes (at least one). */
export type Page<T> = { total: number; pageCount: number; items: T[] };

/** Which rows a page is: `skip` and `take`, spread into a Prisma `findMany`. */
export type PageWindow = { skip: number; take: number };

/**
 * Every paginated list in one way: counts the list and reads the rows of page `page` (from 1, as
 * `pageParam` in app/validation/pagination.ts gives it) at the same time. `count` and `rows` query the same
 * `where`; `rows` spreads the window into its `findMany`. A page past the end is an empty page, never an error.
 */
export async function paginate<T>(
  { page, pageSize }: { page: number; pageSize: number },
  { count, rows }: { count: () => Promise<number>; rows: (window: PageWindow) => Promise<T[]> },
): Promise<Page<T>> {
  const [total, items] = await Promise.all([count(), rows({ skip: (page - 1) * pageSize, take: pageSize })]);
  return { total, pageCount: Math.max(1, Math.ceil(total / pageSize)), items };
}
