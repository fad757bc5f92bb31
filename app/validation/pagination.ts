import { z } from "zod";

const page = z.coerce.number().int().min(1).max(10_000).catch(1);

/** The `?page=` (or another name, for a page with two lists) of a list URL; anything odd means page 1. */
export function pageParam(request: Request, name = "page") {
  return page.parse(new URL(request.url).searchParams.get(name) ?? 1);
}
