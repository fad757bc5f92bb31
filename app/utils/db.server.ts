import { PrismaPg } from "@prisma/adapter-pg";
import { Prisma, PrismaClient } from "@prisma/client";
import { getEnv } from "./env.server";
import { singleton } from "./singleton.server";

/**
 * Bounds of every interactive transaction unless it sets its own: Prisma's defaults (2 s to get a connection,
 * 5 s in all) fail sound work under load, when transactions queue for the pool or wait on a row lock another
 * one holds (docs/decisions/0030-recovery-without-restarts.md).
 */
export const TRANSACTION_DEFAULTS = { maxWait: 10_000, timeout: 30_000 } as const;

export const db = singleton("prisma", () => {
  const env = getEnv();
  const adapter = new PrismaPg({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_SIZE });
  return new PrismaClient({ adapter, transactionOptions: TRANSACTION_DEFAULTS });
});

/** A Prisma client or an interactive transaction client: services accept either. */
export type Db = PrismaClient | Prisma.TransactionClient;

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}
