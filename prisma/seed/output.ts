import type { DemoSummary } from "./index";

/** What `npm run demo` prints once the data is there: who to log in as, the code, and where to start. */
export function demoOutput(summary: DemoSummary, origin: string) {
  const { races, discountCode, queueOpensAt } = summary;
  const at = (path: string) => `${origin}${path}`;
  const opensAt = queueOpensAt.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  const minutes = Math.max(0, Math.round((queueOpensAt.getTime() - Date.now()) / 60_000));
  return [
    `Demo data ready: ${summary.organisation} with ${races.riverside.name}, ${races.nightTrail.name}, ${races.cityLights.name} and ${races.autumn.name} (run 9 days ago).`,
    "",
    "Accounts:",
    ...summary.accounts.map((account) => `  ${account.label.padEnd(10)}${account.email} / ${account.password}  (${account.what})`),
    "",
    `Discount code: ${discountCode} (10% off ${races.riverside.name})`,
    "",
    "Open first:",
    `  1. ${at(`/races/${races.riverside.slug}`)}  register (sign up or log in as the buyer) with ${discountCode}`,
    `  2. ${at(`/organiser/races/${races.riverside.id}/dashboard`)}  log in as the organiser: 200 registrations, sales live`,
    `  3. ${at(`/races/${races.cityLights.slug}/queue`)}  the virtual queue opens at ${opensAt} (in ${minutes} min); join now`,
    "",
    "Also there:",
    `  ${at(`/races/${races.riverside.slug}/rooms`)}  two public rooms with members and chat`,
    `  ${at(`/races/${races.nightTrail.slug}`)}  12K sold out (waiting list), 4 places left on the 6K`,
    `  ${at(`/organiser/races/${races.autumn.id}/checkin`)}  the past race's check-in results`,
    `  ${at("/dev/outbox")}  emails the demo sent (demo mode)`,
  ].join("\n");
}
