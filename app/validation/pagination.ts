import { z } from "zod";

const page = z.coerce.number().int().min(1).max(10_000).catch(1);

/** The `?page=` of a list URL; anything odd means page 1. */
export function pageParam(request: Request) {
  return page.parse(new URL(request.url).searchParams.get("page") ?? 1);
}
