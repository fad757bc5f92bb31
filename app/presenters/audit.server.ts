import type { Prisma } from "@prisma/client";
import { db } from "~/utils/db.server";
import { paginate } from "./paginate.server";

const auditRow = { id: true, action: true, entityType: true, entityId: true, changes: true, createdAt: true, actor: { select: { name: true, email: true } } } satisfies Prisma.AuditEntrySelect;

/** A race's audit log, newest first, paginated. */
export function raceAuditLog(raceId: string, page: number, pageSize = 25) {
  const where = { raceId };
  return paginate({ page, pageSize }, {
    count: () => db.auditEntry.count({ where }),
    rows: (window) => db.auditEntry.findMany({ where, orderBy: { createdAt: "desc" }, ...window, select: auditRow }),
  });
}
