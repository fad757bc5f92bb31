import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { verificationLink } from "~/services/email-verification.server";
import { db } from "~/utils/db.server";
import { addMember, createOrganisation, createParticipant, createRace, createTicketType, createUser } from "../support/factories";
import { expect, logIn, test } from "./fixtures";

/**
 * Every page of the app, as each kind of person sees it, checked with axe (docs/decisions/0105): no violation of
 * impact "serious" or "critical" under the WCAG 2.0/2.1/2.2 A and AA rules. Pages are listed per route file below;
 * the first test fails when a route file with a page is missing from the list, so a new page cannot skip the check.
 */

type Seed = Awaited<ReturnType<typeof seed>>;
type Persona = "visitor" | "buyer" | "organiser" | "checkin" | "operator";
/** `status`: the answer a page gives on purpose (a stale link's page is a 404 or 410 that still explains itself). */
type PageCheck = { persona: Persona; path: (seed: Seed) => string; status?: number };

/** Route file (app/routes) → who visits it and where. Resource routes and feeds (no default export) are not pages. */
const pages: Record<string, PageCheck[]> = {
  "$.tsx": [{ persona: "visitor", path: () => "/no-such-page", status: 404 }],
  "_index.tsx": [{ persona: "visitor", path: () => "/" }, { persona: "buyer", path: () => "/" }],
  "login.tsx": [{ persona: "visitor", path: () => "/login" }],
  "signup.tsx": [{ persona: "visitor", path: () => "/signup" }],
  "forgot-password.tsx": [{ persona: "visitor", path: () => "/forgot-password" }],
  "reset-password.$token.tsx": [
    { persona: "visitor", path: (s) => `/reset-password/${s.tokens.reset}` },
    { persona: "visitor", path: () => "/reset-password/not-a-valid-token", status: 410 },
  ],
  "verify-email._index.tsx": [{ persona: "buyer", path: () => "/verify-email" }],
  "verify-email.$token.tsx": [
    { persona: "buyer", path: (s) => s.tokens.verify },
    { persona: "buyer", path: () => "/verify-email/not.a.token", status: 404 },
  ],
  "races._index.tsx": [{ persona: "visitor", path: () => "/races" }],
  "races.$slug.tsx": [{ persona: "visitor", path: (s) => `/races/${s.race.slug}` }, { persona: "buyer", path: (s) => `/races/${s.race.slug}` }],
  "races.$slug_.rooms.tsx": [{ persona: "buyer", path: (s) => `/races/${s.race.slug}/rooms` }],
  "races.$slug_.queue.tsx": [{ persona: "buyer", path: (s) => `/races/${s.queueRace.slug}/queue` }],
  "rooms.$roomId.tsx": [{ persona: "buyer", path: (s) => `/rooms/${s.room.id}` }],
  "rooms.join.$code.tsx": [{ persona: "organiser", path: (s) => `/rooms/join/${s.room.code}` }],
  "checkout.$orderId.tsx": [{ persona: "buyer", path: (s) => `/checkout/${s.pendingOrder.id}` }],
  "checkout.$orderId_.participant.$ticketId.tsx": [{ persona: "buyer", path: (s) => `/checkout/${s.pendingOrder.id}/participant/${s.heldTicket.id}` }],
  "checkout.$orderId_.demo-pay.tsx": [{ persona: "buyer", path: (s) => `/checkout/${s.pendingOrder.id}/demo-pay` }],
  "orders.$orderId.tsx": [{ persona: "buyer", path: (s) => `/orders/${s.paidOrder.id}` }],
  "tickets._index.tsx": [{ persona: "buyer", path: () => "/tickets" }],
  "tickets.$ticketId.tsx": [{ persona: "buyer", path: (s) => `/tickets/${s.issuedTicket.id}` }],
  "account.tsx": [{ persona: "buyer", path: () => "/account" }],
  "notifications._index.tsx": [{ persona: "buyer", path: () => "/notifications" }],
  "billing.tsx": [{ persona: "organiser", path: () => "/billing" }],
  // Without a membership waiting for payment the page explains itself with a 409.
  "billing_.membership.demo-pay.tsx": [{ persona: "organiser", path: () => "/billing/membership/demo-pay", status: 409 }],
  "clubs._index.tsx": [{ persona: "buyer", path: () => "/clubs" }],
  "clubs.$clubId.tsx": [{ persona: "buyer", path: (s) => `/clubs/${s.club.id}` }, { persona: "organiser", path: (s) => `/clubs/${s.club.id}` }],
  "clubs.join.$code.tsx": [{ persona: "organiser", path: (s) => `/clubs/join/${s.club.code}` }],
  "billing_.packs.$purchaseId.demo-pay.tsx": [{ persona: "organiser", path: (s) => `/billing/packs/${s.purchase.id}/demo-pay` }],
  "ai-jobs._index.tsx": [{ persona: "organiser", path: () => "/ai-jobs" }],
  "ai-jobs.$jobId.tsx": [{ persona: "organiser", path: (s) => `/ai-jobs/${s.aiJob.id}` }],
  "invites.$token.tsx": [{ persona: "buyer", path: (s) => `/invites/${s.tokens.invite}` }],
  "dev.outbox._index.tsx": [{ persona: "visitor", path: () => "/dev/outbox" }],
  "dev.outbox.$id.tsx": [{ persona: "visitor", path: (s) => `/dev/outbox/${s.email.id}` }],
  "organiser._index.tsx": [{ persona: "organiser", path: () => "/organiser" }, { persona: "checkin", path: () => "/organiser" }],
  "organiser.payouts.tsx": [{ persona: "organiser", path: () => "/organiser/payouts" }],
  "organiser.organisations.$organisationId.payouts.tsx": [{ persona: "organiser", path: (s) => `/organiser/organisations/${s.organisation.id}/payouts` }],
  "organiser.organisations.$organisationId.team.tsx": [{ persona: "organiser", path: (s) => `/organiser/organisations/${s.organisation.id}/team` }],
  "organiser.races.new.tsx": [{ persona: "organiser", path: (s) => `/organiser/races/new?organisationId=${s.organisation.id}` }],
  // The race layout (organiser.races.$raceId.tsx) is checked through each of its pages.
  "organiser.races.$raceId.tsx": [],
  "organiser.races.$raceId._index.tsx": [{ persona: "organiser", path: (s) => `/organiser/races/${s.race.id}` }],
  "organiser.races.$raceId.edit.tsx": [{ persona: "organiser", path: (s) => `/organiser/races/${s.race.id}/edit` }],
  "organiser.races.$raceId.dashboard.tsx": [{ persona: "organiser", path: (s) => `/organiser/races/${s.race.id}/dashboard` }],
  "organiser.races.$raceId.tickets.tsx": [{ persona: "organiser", path: (s) => `/organiser/races/${s.race.id}/tickets` }],
  "organiser.races.$raceId.tickets_.$ticketTypeId.tsx": [{ persona: "organiser", path: (s) => `/organiser/races/${s.race.id}/tickets/${s.ticketType.id}` }],
  "organiser.races.$raceId.waiver.tsx": [{ persona: "organiser", path: (s) => `/organiser/races/${s.race.id}/waiver` }],
  "organiser.races.$raceId.waiver_.$version.tsx": [{ persona: "organiser", path: (s) => `/organiser/races/${s.race.id}/waiver/1` }],
  "organiser.races.$raceId.codes.tsx": [{ persona: "organiser", path: (s) => `/organiser/races/${s.race.id}/codes` }],
  "organiser.races.$raceId.codes_.$codeId.tsx": [{ persona: "organiser", path: (s) => `/organiser/races/${s.race.id}/codes/${s.code.id}` }],
  "organiser.races.$raceId.questions.tsx": [{ persona: "organiser", path: (s) => `/organiser/races/${s.race.id}/questions` }],
  "organiser.races.$raceId.questions_.$questionId.tsx": [{ persona: "organiser", path: (s) => `/organiser/races/${s.race.id}/questions/${s.question.id}` }],
  "organiser.races.$raceId.participants._index.tsx": [{ persona: "organiser", path: (s) => `/organiser/races/${s.race.id}/participants` }],
  "organiser.races.$raceId.participants.$participantId.tsx": [{ persona: "organiser", path: (s) => `/organiser/races/${s.race.id}/participants/${s.participant.id}` }],
  "organiser.races.$raceId.queue.tsx": [{ persona: "organiser", path: (s) => `/organiser/races/${s.queueRace.id}/queue` }],
  "organiser.races.$raceId.waitlist.tsx": [{ persona: "organiser", path: (s) => `/organiser/races/${s.race.id}/waitlist` }],
  "organiser.races.$raceId.audit.tsx": [{ persona: "organiser", path: (s) => `/organiser/races/${s.race.id}/audit` }],
  "organiser.races.$raceId.checkin.tsx": [
    { persona: "organiser", path: (s) => `/organiser/races/${s.race.id}/checkin` },
    { persona: "checkin", path: (s) => `/organiser/races/${s.race.id}/checkin` },
  ],
  "operator._index.tsx": [{ persona: "operator", path: () => "/operator" }],
  "operator.jobs.tsx": [{ persona: "operator", path: () => "/operator/jobs" }],
  "operator.alerts.tsx": [{ persona: "operator", path: () => "/operator/alerts" }],
  "operator.credits.tsx": [{ persona: "operator", path: () => "/operator/credits" }],
  "operator.reconciliation.tsx": [{ persona: "operator", path: () => "/operator/reconciliation" }],
  "operator.stripe-events._index.tsx": [{ persona: "operator", path: () => "/operator/stripe-events" }],
  "operator.stripe-events.$eventId.tsx": [{ persona: "operator", path: (s) => `/operator/stripe-events/${s.stripeEvent.id}` }],
};

const routesDir = join(process.cwd(), "app/routes");

test.afterAll(async () => {
  await db.$disconnect();
});

test("every page route is in the accessibility check's list", () => {
  const pageRoutes = readdirSync(routesDir).filter((file) => /\.tsx$/.test(file) && /^export default/m.test(readFileSync(join(routesDir, file), "utf8")));
  expect(pageRoutes.filter((file) => !(file in pages)), "page routes missing from the accessibility check").toEqual([]);
  expect(Object.keys(pages).filter((file) => !pageRoutes.includes(file)), "listed routes that are not pages").toEqual([]);
});

/** One organisation with a published race full of data, a race behind a queue, and a person of each kind. */
async function seed() {
  const tag = Math.random().toString(36).slice(2, 7);
  const { organisation, user: organiser } = await createOrganisation("OWNER");
  const race = await createRace(organisation.id, {
    status: "PUBLISHED",
    name: `Axe Harbour 10K ${tag}`,
    description: "A flat course.\n\n- chip timing\n- medal",
    faq: "**Parking?** At the pier.",
    standardFields: [],
  });
  const ticketType = await createTicketType(race.id, { name: "10K", priceMinor: 3000, capacity: 100 });
  await createTicketType(race.id, { name: "5K", priceMinor: 2000, capacity: 2, soldCount: 2 });
  await db.waiverVersion.create({ data: { raceId: race.id, version: 1, title: "Entry waiver", text: "I take part at my own risk.", contentHash: `h-${tag}` } });
  const code = await db.discountCode.create({ data: { raceId: race.id, code: `AXE${tag.toUpperCase()}`, kind: "PERCENT", amount: 10 } });
  const question = await db.raceQuestion.create({ data: { raceId: race.id, label: "T-shirt size", kind: "CHOICE", options: ["S", "M", "L"] } });
  const { participant } = await createParticipant(race.id, ticketType.id, {}, 101);
  await createParticipant(race.id, ticketType.id, { checkedInAt: new Date() }, 102);

  const queueRace = await createRace(organisation.id, { status: "PUBLISHED", name: `Axe Queue Run ${tag}`, standardFields: [] });
  await createTicketType(queueRace.id, { name: "Marathon", priceMinor: 5000, capacity: 50 });
  await db.raceQueue.create({ data: { raceId: queueRace.id, enabled: true, opensAt: new Date(Date.now() + 3600_000) } });

  const buyer = await createUser({ name: `Bea Buyer ${tag}` });
  const paidOrder = await db.order.create({
    data: { raceId: race.id, buyerId: buyer.id, buyerEmail: buyer.email, buyerName: buyer.name, status: "PAID", currency: "EUR", subtotalMinor: 3000, totalMinor: 3000, paidAt: new Date() },
  });
  const issuedTicket = await db.ticket.create({
    data: { orderId: paidOrder.id, raceId: race.id, ticketTypeId: ticketType.id, status: "ISSUED", priceMinor: 3000, bib: 103, qrToken: `qr-axe-${tag}-1` },
  });
  await db.participant.create({ data: { ticketId: issuedTicket.id, raceId: race.id, firstName: "Bea", lastName: "Buyer", email: buyer.email } });
  const pendingOrder = await db.order.create({
    data: { raceId: race.id, buyerId: buyer.id, buyerEmail: buyer.email, buyerName: buyer.name, currency: "EUR", subtotalMinor: 3000, totalMinor: 3000, holdExpiresAt: new Date(Date.now() + 3600_000) },
  });
  const heldTicket = await db.ticket.create({ data: { orderId: pendingOrder.id, raceId: race.id, ticketTypeId: ticketType.id, priceMinor: 3000, qrToken: `qr-axe-${tag}-2` } });
  const room = await db.room.create({ data: { raceId: race.id, ownerId: buyer.id, code: `AXE${tag.toUpperCase()}ROOM`.slice(0, 12), name: "Axe Pacers", teamName: "Pacers", maxMembers: 4 } });
  await db.roomMember.create({ data: { roomId: room.id, raceId: race.id, userId: buyer.id } });
  await db.roomMessage.create({ data: { roomId: room.id, userId: buyer.id, body: "See you at the start line" } });
  await db.notification.create({
    data: { userId: buyer.id, kind: "order.paid", title: "Payment confirmed", body: "Your places are confirmed.", dedupeKey: `axe-${tag}`, expiresAt: new Date(Date.now() + 3600_000) },
  });

  const club = await db.club.create({ data: { name: `Axe Harriers ${tag}`, description: "Tuesday intervals.", code: `AXC${tag.toUpperCase()}`, timeZone: "Europe/Paris", ownerId: buyer.id } });
  await db.clubMember.create({ data: { clubId: club.id, userId: buyer.id, role: "OWNER" } });
  await db.clubMessage.create({ data: { clubId: club.id, userId: buyer.id, body: "Intervals on the track at 7" } });

  const checkin = await addMember(organisation.id, "CHECKIN");
  const operator = await createUser({ role: "OPERATOR", name: `Otto Operator ${tag}` });
  const purchase = await db.creditPurchase.create({ data: { userId: organiser.id, kind: "PACK", product: "pack_50", credits: 50, amountMinor: 500, currency: "EUR" } });
  const aiJob = await db.aiJob.create({
    data: { userId: organiser.id, kind: "RACE_DESCRIPTION", raceId: race.id, status: "DONE", cost: 5, prompt: { bullets: "flat" }, result: "A flat, fast race.", finishedAt: new Date() },
  });
  const stripeEvent = await db.stripeEvent.create({ data: { id: `evt_axe_${tag}`, type: "checkout.session.completed", payload: { id: `evt_axe_${tag}` }, processedAt: new Date(), outcome: "ok" } });
  await db.operatorAlert.create({ data: { kind: "worker.stale", severity: "WARNING", message: "No worker heartbeat for 2 minutes.", dedupeKey: `axe-alert-${tag}` } });
  const email = await db.emailMessage.create({
    data: { userId: buyer.id, kind: "welcome", to: buyer.email, subject: "Welcome to Startline", text: "Hello", html: "<p>Hello</p>", status: "SENT", sentAt: new Date() },
  });
  const tokens = { reset: `axe-reset-${tag}`, invite: `axe-invite-${tag}`, verify: new URL(verificationLink(buyer)).pathname };
  const sha256 = (token: string) => createHash("sha256").update(token).digest("hex");
  await db.passwordResetToken.create({ data: { userId: buyer.id, tokenHash: sha256(tokens.reset), requestKey: `axe-${tag}`, expiresAt: new Date(Date.now() + 3600_000) } });
  await db.organisationInvite.create({
    data: { organisationId: organisation.id, email: buyer.email, role: "CHECKIN", tokenHash: sha256(tokens.invite), invitedById: organiser.id, expiresAt: new Date(Date.now() + 3600_000) },
  });
  return { tokens, organisation, race, ticketType, code, question, participant, queueRace, paidOrder, issuedTicket, pendingOrder, heldTicket, room, club, purchase, aiJob, stripeEvent, email, people: { buyer, organiser, checkin, operator } };
}

/** axe's serious and critical findings on the page as it stands, one readable line each. */
export async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .flatMap((violation) => violation.nodes.map((node) => `${violation.id} (${violation.impact}): ${node.target.join(" ")} — ${node.failureSummary?.replace(/\s+/g, " ")}`));
}

/** Pages per test: a loaded two-core machine checks about one page every ten seconds. */
const PAGES_PER_TEST = 8;

for (const persona of ["visitor", "buyer", "organiser", "checkin", "operator"] as const) {
  const checks = Object.values(pages).flatMap((list) => list.filter((check) => check.persona === persona));
  for (let start = 0; start < checks.length; start += PAGES_PER_TEST) {
    const part = checks.slice(start, start + PAGES_PER_TEST);
    const label = checks.length > PAGES_PER_TEST ? ` (part ${start / PAGES_PER_TEST + 1})` : "";
    test(`every page a ${persona} visits has no serious or critical axe violations${label}`, async ({ page }) => {
      test.setTimeout(300_000);
      const data = await seed();
      if (persona !== "visitor") await logIn(page, data.people[persona].email);
      const found: string[] = [];
      for (const check of part) {
        const path = check.path(data);
        const response = await page.goto(path);
        expect(response?.status(), `${path} answers`).toBe(check.status ?? 200);
        await expect(page.locator("h1").first(), `${path} shows its heading`).toBeVisible({ timeout: 30_000 });
        for (const line of await seriousViolations(page)) found.push(`${path} · ${line}`);
      }
      expect(found, "serious or critical axe violations").toEqual([]);
    });
  }
}
