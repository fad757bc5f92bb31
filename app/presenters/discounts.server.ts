import { db } from "~/utils/db.server";
import { codeSelect } from "~/services/discounts.server";
import { paginate } from "./paginate.server";

/** The race's ticket types a code can be limited to (not archived, or already chosen for the code being edited). */
function codeTicketTypes(raceId: string, chosenIds: string[] = []) {
  return db.ticketType.findMany({
    where: { raceId, OR: [{ archivedAt: null }, { id: { in: chosenIds } }] },
    orderBy: { sortOrder: "asc" },
    select: { id: true, name: true },
  });
}

/** A race's codes, newest first, with their ticket types and uses; paginated. */
export function listDiscountCodes(raceId: string, page: number, pageSize = 20) {
  const where = { raceId };
  return paginate({ page, pageSize }, {
    count: () => db.discountCode.count({ where }),
    rows: (window) => db.discountCode.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "asc" }], ...window, select: codeSelect }),
  });
}

/** The codes page: one page of the race's codes, and the ticket types a new code can be limited to. */
export async function discountCodesPage(raceId: string, page: number) {
  const [codes, ticketTypes] = await Promise.all([listDiscountCodes(raceId, page), codeTicketTypes(raceId)]);
  return { codes, ticketTypes };
}

/** One code of this race, or null. */
export function discountCode(raceId: string, codeId: string) {
  return db.discountCode.findFirst({ where: { id: codeId, raceId }, select: codeSelect });
}

/** What a code's edit form offers: the race's ticket types, and those the code is limited to even if archived since. */
export function discountCodeTicketTypes(raceId: string, code: { ticketTypes: { id: string }[] }) {
  return codeTicketTypes(raceId, code.ticketTypes.map((t) => t.id));
}
