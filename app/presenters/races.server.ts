import type { Prisma } from "@prisma/client";
import { db } from "~/utils/db.server";
import { cachedPublicRead } from "~/services/public-races-cache.server";
import { paginate } from "./paginate.server";

const raceCard = { id: true, name: true, slug: true, location: true, startsAt: true, timeZone: true, coverImageKey: true, organisation: { select: { name: true } } } satisfies Prisma.RaceSelect;

/** Published races that have not started, soonest first, paginated. Cached (ADR 0111): a race that has just started may stay listed for seconds. */
export function upcomingRaces(page: number, pageSize = 12) {
  return cachedPublicRead(`upcoming:${page}:${pageSize}`, () => {
    const where = { status: "PUBLISHED" as const, startsAt: { gt: new Date() } };
    return paginate({ page, pageSize }, {
      count: () => db.race.count({ where }),
      rows: (window) => db.race.findMany({ where, orderBy: { startsAt: "asc" }, ...window, select: raceCard }),
    });
  });
}
