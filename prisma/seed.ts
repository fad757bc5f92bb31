// Like the web and worker entries: .env fills in what the environment does not set (the session secret too).
try {
  process.loadEnvFile();
} catch {
  // No .env file: the environment applies.
}
const { db } = await import("~/utils/db.server");
const { getEnv } = await import("~/utils/env.server");
const { hashPassword } = await import("~/utils/password.server");

/** Demo accounts; the demo command prints these so people can log in straight away. */
export const demoAccounts = [
  { email: "organiser@startline.test", name: "Olivia Organiser", role: "ORGANISER", password: "startline-organiser" },
  { email: "buyer@startline.test", name: "Ben Buyer", role: "BUYER", password: "startline-buyer" },
  { email: "operator@startline.test", name: "Oscar Operator", role: "OPERATOR", password: "startline-operator" },
] as const;

/**
 * An operator can replay Stripe events and hand out credits: an account with a published password may hold
 * that role only in demo mode, which runs on a local address. Seeding outside demo mode leaves it out, and
 * takes the role back from one a demo run left in this database.
 */
async function seed() {
  const demoMode = getEnv().DEMO_MODE;
  const accounts = demoAccounts.filter((account) => demoMode || account.role !== "OPERATOR");
  for (const account of accounts) {
    const passwordHash = await hashPassword(account.password);
    await db.user.upsert({
      where: { email: account.email },
      // Demo accounts count as verified: their made-up addresses have no inbox to click a link in.
      create: { email: account.email, name: account.name, role: account.role, passwordHash, emailVerifiedAt: new Date() },
      update: { name: account.name, role: account.role, passwordHash, emailVerifiedAt: new Date() },
    });
  }
  if (!demoMode) {
    const emails = demoAccounts.filter((account) => account.role === "OPERATOR").map((account) => account.email);
    await db.user.updateMany({ where: { email: { in: emails }, role: "OPERATOR" }, data: { role: "BUYER" } });
  }
  console.log(`Seeded demo accounts${demoMode ? "" : " (the operator account exists in demo mode only)"}:`);
  for (const account of accounts) console.log(`  ${account.role.toLowerCase().padEnd(9)} ${account.email} / ${account.password}`);
}

await seed();
await db.$disconnect();
