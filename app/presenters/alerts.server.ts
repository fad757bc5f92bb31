import type { Prisma } from "@prisma/client";
import { db } from "~/utils/db.server";
import { alertSelect } from "~/services/alerts.server";
import { paginate } from "./paginate.server";

export type AlertFilter = "open" | "resolved";

const alertRow = { ...alertSelect, resolvedAt: true, resolution: true, resolvedBy: { select: { name: true } } } satisfies Prisma.OperatorAlertSelect;

/** Alerts for the operator page, newest first; paginated. */
export function listAlerts(filter: AlertFilter, page: number, pageSize = 20) {
  const where = { resolvedAt: filter === "open" ? null : { not: null } } satisfies Prisma.OperatorAlertWhereInput;
  return paginate({ page, pageSize }, {
    count: () => db.operatorAlert.count({ where }),
    rows: (window) => db.operatorAlert.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "asc" }], ...window, select: alertRow }),
  });
}
