import type { Prisma } from "@prisma/client";
import { db } from "~/utils/db.server";
import { versionFields, waiverInForce } from "~/services/waivers.server";
import { paginate } from "./paginate.server";

async function authorNames(ids: (string | null)[]) {
  const known = [...new Set(ids.filter((id): id is string => id !== null))];
  const users = known.length ? await db.user.findMany({ where: { id: { in: known } }, select: { id: true, name: true } }) : [];
  return new Map(users.map((user) => [user.id, user.name]));
}

const historyRow = { id: true, version: true, title: true, contentHash: true, createdAt: true, createdById: true, _count: { select: { signatures: true } } } satisfies Prisma.WaiverVersionSelect;

/** A race's waiver versions, newest first, with author and number of signatures; paginated. */
export async function waiverHistory(raceId: string, page: number, pageSize = 20) {
  const where = { raceId };
  const versions = await paginate({ page, pageSize }, {
    count: () => db.waiverVersion.count({ where }),
    rows: (window) => db.waiverVersion.findMany({ where, orderBy: { version: "desc" }, ...window, select: historyRow }),
  });
  const authors = await authorNames(versions.items.map((v) => v.createdById));
  return {
    ...versions,
    items: versions.items.map(({ _count, createdById, ...version }) => ({
      ...version,
      author: createdById ? (authors.get(createdById) ?? "Former member") : "Unknown",
      signatureCount: _count.signatures,
    })),
  };
}

/** The waiver page: the version in force, one page of the history, and the age under which a guardian signs too. */
export async function waiverPage(raceId: string, page: number) {
  const [inForce, history, settings] = await Promise.all([
    waiverInForce(raceId),
    waiverHistory(raceId, page),
    db.race.findUniqueOrThrow({ where: { id: raceId }, select: { guardianUnderAge: true } }),
  ]);
  return { inForce, history, guardianUnderAge: settings.guardianUnderAge };
}

/** One version of a race's waiver, or null. */
export async function waiverVersion(raceId: string, version: number) {
  const found = await db.waiverVersion.findUnique({
    where: { raceId_version: { raceId, version } },
    select: { ...versionFields, _count: { select: { signatures: true } } },
  });
  if (!found) return null;
  const { _count, createdById, ...rest } = found;
  const authors = await authorNames([createdById]);
  return { ...rest, author: createdById ? (authors.get(createdById) ?? "Former member") : "Unknown", signatureCount: _count.signatures };
}
