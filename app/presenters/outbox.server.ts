import type { Prisma } from "@prisma/client";
import { db } from "~/utils/db.server";
import { paginate } from "./paginate.server";

const outboxRow = { id: true, to: true, subject: true, status: true, transport: true, createdAt: true, sentAt: true } satisfies Prisma.EmailMessageSelect;

/** The local outbox, newest first, paginated. */
export function outboxPage(page: number, pageSize = 20) {
  return paginate({ page, pageSize }, {
    count: () => db.emailMessage.count(),
    rows: (window) => db.emailMessage.findMany({ orderBy: { createdAt: "desc" }, ...window, select: outboxRow }),
  });
}

export function outboxEmail(id: string) {
  return db.emailMessage.findUnique({
    where: { id },
    select: { id: true, to: true, subject: true, text: true, html: true, status: true, createdAt: true, sentAt: true, error: true },
  });
}
