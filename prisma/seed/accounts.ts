import type { UserRole } from "@prisma/client";
import { db } from "~/utils/db.server";
import { hashPassword } from "~/utils/password.server";

type Account = { label: string; email: string; name: string; role: UserRole; password: string; what: string };

/** Accounts with known passwords; the demo command prints them so people can log in straight away. */
export const demoAccounts = {
  organiser: { label: "organiser", email: "organiser@startline.test", name: "Olivia Organiser", role: "ORGANISER", password: "startline-organiser", what: "owns Startline Demo Events and its races" },
  buyer: { label: "buyer", email: "buyer@startline.test", name: "Ben Buyer", role: "BUYER", password: "startline-buyer", what: "has a confirmed order with two tickets" },
  checkin: { label: "check-in", email: "checkin@startline.test", name: "Chris Checkin", role: "BUYER", password: "startline-checkin", what: "check-in staff of the organisation" },
  operator: { label: "operator", email: "operator@startline.test", name: "Oscar Operator", role: "OPERATOR", password: "startline-operator", what: "the operator console; demo mode only" },
} satisfies Record<string, Account>;

/** Runners who fill the rooms and chat; they share one password (not printed: nobody needs to be them). */
const runners = [
  ["Aoife Byrne", "aoife"],
  ["Liam Walsh", "liam"],
  ["Maya Okafor", "maya"],
  ["Noah Keane", "noah"],
  ["Sofia Silva", "sofia"],
  ["Finn Doyle", "finn"],
  ["Priya Nair", "priya"],
] as const;
const RUNNER_PASSWORD = "startline-runner";

export type DemoUser = { id: string; email: string; name: string };

async function upsertAccount({ email, name, role }: Pick<Account, "email" | "name" | "role">, passwordHash: string): Promise<DemoUser> {
  // Demo accounts count as verified: their made-up addresses have no inbox to click a link in. A rerun keeps an
  // organiser an organiser (the role follows the organisation they own).
  const existing = await db.user.findUnique({ where: { email }, select: { role: true } });
  const keepRole = existing?.role === "ORGANISER" && role === "BUYER";
  return db.user.upsert({
    where: { email },
    create: { email, name, role, passwordHash, emailVerifiedAt: new Date() },
    update: { name, passwordHash, emailVerifiedAt: new Date(), ...(keepRole ? {} : { role }) },
    select: { id: true, email: true, name: true },
  });
}

/**
 * An operator can replay Stripe events and hand out credits: an account with a published password may hold
 * that role only in demo mode, which runs on a local address. Seeding outside demo mode leaves it out, and
 * takes the role back from one a demo run left in this database.
 */
export async function seedAccounts(demoMode: boolean) {
  const upsert = async (account: Account) => upsertAccount(account, await hashPassword(account.password));
  const [organiser, buyer, checkin, operator] = await Promise.all([
    upsert(demoAccounts.organiser),
    upsert(demoAccounts.buyer),
    upsert(demoAccounts.checkin),
    demoMode ? upsert(demoAccounts.operator) : null,
  ]);
  if (!demoMode) await db.user.updateMany({ where: { email: demoAccounts.operator.email, role: "OPERATOR" }, data: { role: "BUYER" } });
  const runnerHash = await hashPassword(RUNNER_PASSWORD);
  const runnerUsers: DemoUser[] = [];
  for (const [name, handle] of runners) runnerUsers.push(await upsertAccount({ email: `${handle}@startline.test`, name, role: "BUYER" }, runnerHash));
  return { organiser, buyer, checkin, operator, runners: runnerUsers };
}

export type DemoPeople = Awaited<ReturnType<typeof seedAccounts>>;
