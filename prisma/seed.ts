import { db } from "~/utils/db.server";
import { hashPassword } from "~/utils/password.server";

/** Demo accounts; the demo command prints these so people can log in straight away. */
export const demoAccounts = [
  { email: "organiser@startline.test", name: "Olivia Organiser", role: "ORGANISER", password: "startline-organiser" },
  { email: "buyer@startline.test", name: "Ben Buyer", role: "BUYER", password: "startline-buyer" },
  { email: "operator@startline.test", name: "Oscar Operator", role: "OPERATOR", password: "startline-operator" },
] as const;

async function seed() {
  for (const account of demoAccounts) {
    const passwordHash = await hashPassword(account.password);
    await db.user.upsert({
      where: { email: account.email },
      // Demo accounts count as verified: their made-up addresses have no inbox to click a link in.
      create: { email: account.email, name: account.name, role: account.role, passwordHash, emailVerifiedAt: new Date() },
      update: { name: account.name, role: account.role, passwordHash, emailVerifiedAt: new Date() },
    });
  }
  console.log("Seeded demo accounts:");
  for (const account of demoAccounts) console.log(`  ${account.role.toLowerCase().padEnd(9)} ${account.email} / ${account.password}`);
}

await seed();
await db.$disconnect();
