import { db, type Db } from "~/utils/db.server";

/** A user's balance is derived from the append-only ledger, never stored separately. */
export async function creditBalance(userId: string, tx: Db = db) {
  const { _sum } = await tx.creditEntry.aggregate({ where: { userId }, _sum: { amount: true } });
  return _sum.amount ?? 0;
}
