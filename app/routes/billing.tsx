import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useRevalidator, useSearchParams } from "@remix-run/react";
import { useEffect } from "react";
import { useUserFeed } from "~/components/live-feed";
import { Badge, Button, Card, FormError, Notice, Pagination } from "~/components/ui";
import type { PurchaseCredits } from "~/lib/credit-state";
import { membershipDate, membershipDateLabel, membershipStatusText, membershipStatusTone } from "~/lib/membership-view";
import { formatMoney } from "~/lib/money";
import { counted } from "~/lib/plural";
import { billingOverview } from "~/presenters/billing.server";
import type { MembershipView } from "~/realtime/channels";
import { billingPortalUrl, startMembership, startPackPurchase } from "~/services/billing.server";
import { sendDemoMembershipEvent } from "~/services/demo-memberships.server";
import { requireDemoPayments } from "~/web/access.server";
import { billingActionSchema } from "~/validation/billing";
import { pageParam } from "~/validation/pagination";
import { requireUser } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";
import { viewerLocale } from "~/web/locale.server";

export const meta: MetaFunction = () => [{ title: "Credits and billing · Startline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const ledgerPage = pageParam(request);
  const purchasesPage = pageParam(request, "purchases");
  return { ledgerPage, purchasesPage, locale: viewerLocale(request), ...(await billingOverview(user.id, { ledgerPage, purchasesPage })) };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const submission = parseWithZod(await request.formData(), { schema: billingActionSchema });
  if (submission.status !== "success") return data({ error: "Choose what to buy, or what should happen to the membership." }, { status: 400 });
  try {
    const input = submission.value;
    if (input.intent === "buy-pack") return redirect((await startPackPurchase({ userId: user.id, packId: input.packId })).redirectTo);
    if (input.intent === "start-membership") return redirect((await startMembership({ userId: user.id })).redirectTo);
    if (input.intent === "demo-membership") {
      requireDemoPayments();
      await sendDemoMembershipEvent({ userId: user.id, event: input.event, origin: new URL(request.url).origin });
      return redirect("/billing");
    }
    return redirect(await billingPortalUrl(user.id));
  } catch (error) {
    return replyToError(error);
  }
}

const aiUses = { RACE_DESCRIPTION: "draft a race description", WAIVER_SUMMARY: "summarise a waiver in plain words", RACE_QUESTION: "answer a question about a race" } as const;

/** The newer of two views of the membership (the page's read, the live feed's), by the row's update time. */
function newer(a: MembershipView | null, b: MembershipView | null) {
  if (!a || !b) return a ?? b;
  return a.updatedAt >= b.updatedAt ? a : b;
}

function CreditsLeft({ credits, date }: { credits: PurchaseCredits | null; date: (value: string) => string }) {
  if (!credits) return null;
  if (credits.state === "used_up") return <Badge>used up</Badge>;
  if (credits.state === "expired") return <Badge tone="bad">{`expired · ${counted(credits.expiredCredits, "credit")} unused on ${date(credits.expiredAt)}`}</Badge>;
  return <Badge tone="good">{`${counted(credits.left, "credit")} left${credits.expiresAt ? ` · expire ${date(credits.expiresAt)}` : ""}`}</Badge>;
}

/** Demo payment mode: the steps Stripe would report over a membership's life, sent through the real webhook path. */
function DemoMembershipControls({ membership, pendingEvent }: { membership: MembershipView; pendingEvent: FormDataEntryValue | null }) {
  const step = (event: string, label: string, pendingLabel: string) => (
    <Button type="submit" name="event" value={event} variant="secondary" pending={pendingEvent === event} pendingLabel={pendingLabel}>
      {label}
    </Button>
  );
  return (
    <div className="mt-4 rounded-lg bg-amber-50 p-3 ring-1 ring-amber-200">
      <p className="text-sm text-amber-900">Demo: what Stripe would send over the membership&apos;s life. Each button posts a signed event to the webhook.</p>
      <Form method="post" className="mt-2 flex flex-wrap gap-2">
        <input type="hidden" name="intent" value="demo-membership" />
        {membership.cancelAtPeriodEnd ? null : step("renew", membership.status === "PAST_DUE" ? "Pay the overdue renewal (demo)" : "Renew now (demo)", "Renewing…")}
        {membership.cancelAtPeriodEnd ? null : step("fail-renewal", "Decline the next payment (demo)", "Declining…")}
        {membership.cancelAtPeriodEnd ? null : step("cancel", "Cancel at period end", "Cancelling…")}
        {step("end", "End the membership now (demo)", "Ending…")}
      </Form>
    </div>
  );
}

export default function BillingPage() {
  const loaded = useLoaderData<typeof loader>();
  const { balance, owed, breakdown, paymentMode, canManageSubscription, packs, aiConfigured, aiCosts, plan, ledger, purchases, ledgerPage, purchasesPage, locale } = loaded;
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const feed = useUserFeed();
  const revalidator = useRevalidator();
  const [searchParams] = useSearchParams();
  const returnedFromPayment = searchParams.has("purchase") || searchParams.has("membership");
  const membership = newer(feed?.membership ?? null, loaded.membership);

  // Balance, breakdown, purchases and history come from one read of this page; when the live feed says the balance or
  // the membership moved, the page reads again, so the history never lags behind the balance beside it.
  const feedBalance = feed?.creditBalance;
  const feedMembershipAt = feed?.membership?.updatedAt;
  useEffect(() => {
    const balanceMoved = feedBalance !== undefined && feedBalance !== null && feedBalance !== balance;
    const membershipMoved = feedMembershipAt !== undefined && feedMembershipAt !== loaded.membership?.updatedAt;
    if (balanceMoved || membershipMoved) revalidator.revalidate();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- read again when the feed moves, not when the read lands
  }, [feedBalance, feedMembershipAt]);

  const submitting = navigation.state === "submitting" ? (navigation.formData?.get("packId") ?? navigation.formData?.get("intent")) : null;
  const date = (value: string | Date | null) => (value ? membershipDate(value, locale) : "");
  const running = membership && (membership.status === "ACTIVE" || membership.status === "PAST_DUE");
  const aiPrices = (Object.keys(aiUses) as (keyof typeof aiUses)[]).map((kind) => `${aiUses[kind]} (${counted(aiCosts[kind], "credit")})`);

  return (
    <div className="flex flex-col gap-6">
      <Card>
        <h1 className="text-2xl font-bold">Credits and billing</h1>
        <p className="mt-2 text-lg" aria-live="polite">
          Balance: <strong data-testid="billing-balance">{counted(balance, "credit")}</strong>
        </p>
        {breakdown.expiring.length ? (
          <ul className="mt-1 text-sm text-slate-700" data-testid="balance-breakdown" aria-label="Which credits expire when">
            {breakdown.expiring.map((row) => (
              <li key={row.expiresAt}>{`${counted(row.credits, "credit")} expire on ${date(row.expiresAt)}`}</li>
            ))}
            {breakdown.neverExpire > 0 ? <li>{`${counted(breakdown.neverExpire, "credit")} never expire`}</li> : null}
          </ul>
        ) : null}
        <p className="mt-1 text-sm text-slate-600">
          {aiConfigured
            ? `Credits pay for AI help: ${aiPrices.join(", ")}.`
            : "Credits pay for AI help, which this installation has not set up, so credit packs are not on sale."}
        </p>
        {owed > 0 ? (
          <p className="mt-3 rounded-lg bg-red-100 p-3 text-sm text-red-900" data-testid="billing-owed">
            {`You owe ${counted(owed, "credit")}: a purchase was refunded after its credits were used. AI jobs are paused until it is settled; the credits you buy next settle it first.`}
          </p>
        ) : null}
        {paymentMode === "demo" ? (
          <p className="mt-3 rounded-lg bg-amber-100 p-3 text-sm text-amber-900">
            Demo payment mode: packs and memberships are paid on demo pages and no money moves; the payments still arrive as signed Stripe events.
          </p>
        ) : null}
        {returnedFromPayment ? (
          <div className="mt-3">
            <Notice>Thank you! Your credits appear here as soon as the payment is confirmed.</Notice>
          </div>
        ) : null}
        <FormError id="billing-error" errors={result ? [result.error] : undefined} />
      </Card>

      <Card>
        <h2 className="text-xl font-semibold">Membership</h2>
        {membership ? (
          <dl className="mt-3 grid grid-cols-1 gap-2 text-sm sm:grid-cols-3" data-testid="membership">
            <div>
              <dt className="text-slate-600">Status</dt>
              <dd>
                <Badge tone={membershipStatusTone[membership.status]}>{membershipStatusText[membership.status]}</Badge>
              </dd>
            </div>
            <div>
              <dt className="text-slate-600">Plan</dt>
              <dd>{membership.planName}</dd>
            </div>
            {membership.currentPeriodEnd ? (
              <div>
                <dt className="text-slate-600">{membershipDateLabel(membership)}</dt>
                <dd>{date(membership.currentPeriodEnd)}</dd>
              </div>
            ) : null}
          </dl>
        ) : null}
        {!running ? (
          <p className="mt-2 text-slate-700">{`${plan.name}: ${formatMoney(plan.amountMinor, plan.currency, locale)} a month for ${counted(plan.creditsPerPeriod, "credit")} each month (unused credits roll over for one month).`}</p>
        ) : null}
        <div className="mt-4 flex flex-col gap-3 sm:flex-row">
          {!running ? (
            <Form method="post">
              <input type="hidden" name="intent" value="start-membership" />
              <Button type="submit" className="w-full" pending={submitting === "start-membership"} pendingLabel="Opening checkout…">
                {`Start membership (${formatMoney(plan.amountMinor, plan.currency, locale)} a month)`}
              </Button>
            </Form>
          ) : null}
          {canManageSubscription ? (
            <Form method="post">
              <input type="hidden" name="intent" value="manage-subscription" />
              <Button type="submit" variant="secondary" className="w-full" pending={submitting === "manage-subscription"} pendingLabel="Opening…">
                Manage subscription
              </Button>
            </Form>
          ) : null}
        </div>
        {paymentMode === "demo" && running ? (
          <DemoMembershipControls membership={membership} pendingEvent={navigation.state === "submitting" ? (navigation.formData?.get("event") ?? null) : null} />
        ) : null}
      </Card>

      {packs.length ? (
        <Card>
          <h2 className="text-xl font-semibold">Buy credits</h2>
          <p className="mt-1 text-sm text-slate-600">{`Pack credits stay valid for 12 months. For example, 50 credits ${aiUses.RACE_DESCRIPTION} ${Math.floor(50 / aiCosts.RACE_DESCRIPTION)} times or ${aiUses.RACE_QUESTION} ${Math.floor(50 / aiCosts.RACE_QUESTION)} times.`}</p>
          <ul className="mt-4 grid grid-cols-1 gap-3 sm:grid-cols-3">
            {packs.map((pack) => (
              <li key={pack.id} className="flex flex-col gap-2 rounded-xl p-4 ring-1 ring-slate-200">
                <p className="font-semibold">{pack.name}</p>
                <p className="text-sm text-slate-700">{`${counted(pack.credits, "credit")} · ${formatMoney(pack.amountMinor, pack.currency, locale)}`}</p>
                <Form method="post">
                  <input type="hidden" name="intent" value="buy-pack" />
                  <input type="hidden" name="packId" value={pack.id} />
                  <Button type="submit" className="w-full" pending={submitting === pack.id} pendingLabel="Opening checkout…">
                    {`Buy ${counted(pack.credits, "credit")}`}
                  </Button>
                </Form>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}

      <Card>
        <h2 className="text-xl font-semibold">Purchases</h2>
        {purchases.items.length === 0 ? (
          <p className="mt-2 text-slate-700">{packs.length ? "No purchases yet. Buy a pack above to get started." : "No purchases yet."}</p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200" data-testid="purchases">
            {purchases.items.map((purchase) => (
              <li key={purchase.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
                <span>{`${purchase.kind === "PACK" ? "Pack" : "Membership"}: ${counted(purchase.credits, "credit")}`}</span>
                <span>
                  {formatMoney(purchase.amountMinor, purchase.currency, locale)}
                  {purchase.refundedMinor > 0 ? ` (${formatMoney(purchase.refundedMinor, purchase.currency, locale)} refunded)` : ""}
                </span>
                <span className="text-slate-600">{date(purchase.paidAt ?? purchase.createdAt)}</span>
                {purchase.status === "PAID" ? <CreditsLeft credits={purchase.creditsLeft} date={date} /> : <Badge>not paid</Badge>}
              </li>
            ))}
          </ul>
        )}
        <Pagination page={purchasesPage} pageCount={purchases.pageCount} hrefFor={(p) => `?purchases=${p}&page=${ledgerPage}`} />
      </Card>

      <Card>
        <h2 className="text-xl font-semibold">Credit history</h2>
        {ledger.items.length === 0 ? (
          <p className="mt-2 text-slate-700">No credit movements yet.</p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200" data-testid="credit-history">
            {ledger.items.map((entry) => (
              <li key={entry.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
                <span>{entry.description}</span>
                <span className={entry.amount < 0 ? "text-red-700" : "text-brand-700"}>
                  {entry.amount > 0 ? `+${entry.amount}` : entry.amount}
                  {entry.debtChange > 0 ? ` (+${entry.debtChange} owed)` : entry.debtChange < 0 ? ` (${-entry.debtChange} owed settled)` : ""}
                </span>
                <span className="text-slate-600">
                  {date(entry.createdAt)}
                  {entry.expiresAt ? ` · expires ${date(entry.expiresAt)}` : ""}
                </span>
              </li>
            ))}
          </ul>
        )}
        <Pagination page={ledgerPage} pageCount={ledger.pageCount} hrefFor={(p) => `?page=${p}&purchases=${purchasesPage}`} />
      </Card>
    </div>
  );
}
